using Akka.Actor;
using Akka.Serialization;
using Google.Protobuf;
using HFedMoE.Actors.Security;
using HFedMoE.Actors.Security.Wire;
using SerializationException = System.Runtime.Serialization.SerializationException;

namespace HFedMoE.Actors.Serialization;

/// <summary>
/// Akka serializer for the join records (Protos/security.proto): <see cref="JoinFederation"/>,
/// <see cref="GatewayJoin"/>, <see cref="JoinAccepted"/>, <see cref="JoinRefused"/>. The manifest is the record's name.
/// Bound in hocon/reference.conf.
/// </summary>
public sealed class SecuritySerializer : SerializerWithStringManifest
{
    public const int Id = 111;

    public SecuritySerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        JoinFederation or GatewayJoin or JoinAccepted or JoinRefused => o.GetType().Name,
        _ => throw new ArgumentException($"{nameof(SecuritySerializer)} writes JoinFederation, GatewayJoin, JoinAccepted and JoinRefused; got {o?.GetType().FullName ?? "null"}", nameof(o)),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        JoinFederation m => new WireJoinFederation { Profile = RoundProtocolSerializer.Encode(m.Profile), Token = m.Token }.ToByteArray(),
        GatewayJoin m => new WireGatewayJoin { Profile = RoundProtocolSerializer.Encode(m.Profile), Client = Akka.Serialization.Serialization.SerializedActorPath(m.Client), Proof = m.Proof }.ToByteArray(),
        JoinAccepted m => new WireJoinAccepted { ClientId = m.ClientId, Session = Akka.Serialization.Serialization.SerializedActorPath(m.Session) }.ToByteArray(),
        JoinRefused m => new WireJoinRefused { ClientId = m.ClientId, Reason = m.Reason }.ToByteArray(),
        _ => throw new ArgumentException($"{nameof(SecuritySerializer)} writes JoinFederation, GatewayJoin, JoinAccepted and JoinRefused; got {obj?.GetType().FullName ?? "null"}", nameof(obj)),
    };

    /// <exception cref="SerializationException">An unknown manifest, or bytes that are not that message.</exception>
    public override object FromBinary(byte[] bytes, string manifest)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        try
        {
            return manifest switch
            {
                nameof(JoinFederation) => Decode(WireJoinFederation.Parser.ParseFrom(bytes)),
                nameof(GatewayJoin) => Decode(WireGatewayJoin.Parser.ParseFrom(bytes)),
                nameof(JoinAccepted) => Decode(WireJoinAccepted.Parser.ParseFrom(bytes)),
                nameof(JoinRefused) => Decode(WireJoinRefused.Parser.ParseFrom(bytes)),
                _ => throw new SerializationException($"unknown manifest '{manifest}' for serializer {Id}; expected JoinFederation, GatewayJoin, JoinAccepted or JoinRefused"),
            };
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new SerializationException($"{manifest} payload is not valid protobuf: {e.Message}", e);
        }
    }

    private static JoinFederation Decode(WireJoinFederation w) =>
        new(RoundProtocolSerializer.Decode(w.Profile ?? throw new SerializationException("JoinFederation payload has no profile")), w.Token);

    private GatewayJoin Decode(WireGatewayJoin w) =>
        new(RoundProtocolSerializer.Decode(w.Profile ?? throw new SerializationException("GatewayJoin payload has no profile")), system.Provider.ResolveActorRef(w.Client), w.Proof);

    private JoinAccepted Decode(WireJoinAccepted w) => new(w.ClientId, system.Provider.ResolveActorRef(w.Session));

    private static JoinRefused Decode(WireJoinRefused w) => new(w.ClientId, w.Reason);
}
