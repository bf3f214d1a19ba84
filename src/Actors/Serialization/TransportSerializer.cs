using Akka.Actor;
using Akka.Serialization;
using Akka.Streams;
using Google.Protobuf;
using HFedMoE.Actors.Transport;
using HFedMoE.Actors.Transport.Wire;
using SerializationException = System.Runtime.Serialization.SerializationException;

namespace HFedMoE.Actors.Serialization;

/// <summary>
/// Akka serializer for the large-message transport's records (Protos/transport.proto):
/// <see cref="StreamedMessage"/>, whose SourceRef is written by Akka.Streams' own serializer, and
/// <see cref="StreamRefused"/>. The manifest is the record's name. Bound in hocon/reference.conf.
/// </summary>
public sealed class TransportSerializer : SerializerWithStringManifest
{
    /// <summary>Apart from <see cref="RoundProtocolSerializer.Id"/> and the ids other branches of the protocol may take next to it.</summary>
    public const int Id = 110;

    public TransportSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        StreamedMessage => nameof(StreamedMessage),
        StreamRefused => nameof(StreamRefused),
        _ => throw new ArgumentException($"{nameof(TransportSerializer)} writes StreamedMessage and StreamRefused; got {o?.GetType().FullName ?? "null"}", nameof(o)),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        StreamedMessage m => Encode(m).ToByteArray(),
        StreamRefused m => new WireStreamRefused { SenderId = m.SenderId, Reason = m.Reason }.ToByteArray(),
        _ => throw new ArgumentException($"{nameof(TransportSerializer)} writes StreamedMessage and StreamRefused; got {obj?.GetType().FullName ?? "null"}", nameof(obj)),
    };

    /// <exception cref="SerializationException">An unknown manifest, or bytes that are not that message.</exception>
    public override object FromBinary(byte[] bytes, string manifest)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        try
        {
            return manifest switch
            {
                nameof(StreamedMessage) => Decode(WireStreamedMessage.Parser.ParseFrom(bytes)),
                nameof(StreamRefused) => Decode(WireStreamRefused.Parser.ParseFrom(bytes)),
                _ => throw new SerializationException($"unknown manifest '{manifest}' for serializer {Id}; expected StreamedMessage or StreamRefused"),
            };
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new SerializationException($"{manifest} payload is not valid protobuf: {e.Message}", e);
        }
    }

    private WireStreamedMessage Encode(StreamedMessage m)
    {
        var chunks = system.Serialization.FindSerializerFor(m.Chunks);
        return new WireStreamedMessage
        {
            SenderId = m.SenderId,
            SerializerId = m.SerializerId,
            Manifest = m.Manifest,
            TotalBytes = m.TotalBytes,
            Sha256 = ByteString.CopyFrom(m.Sha256),
            Chunks = new WireSerialized
            {
                SerializerId = chunks.Identifier,
                Manifest = Akka.Serialization.Serialization.ManifestFor(chunks, m.Chunks),
                Data = ByteString.CopyFrom(chunks.ToBinary(m.Chunks)),
            },
            ReplyTo = m.ReplyTo is null ? "" : Akka.Serialization.Serialization.SerializedActorPath(m.ReplyTo),
        };
    }

    private StreamedMessage Decode(WireStreamedMessage w)
    {
        var c = w.Chunks ?? throw new SerializationException("StreamedMessage payload has no chunks");
        object source = system.Serialization.Deserialize(c.Data.ToByteArray(), c.SerializerId, c.Manifest);
        var chunks = source as ISourceRef<byte[]>
            ?? throw new SerializationException($"StreamedMessage chunks are a {source.GetType().FullName}; expected an ISourceRef<byte[]>");
        var replyTo = w.ReplyTo.Length == 0 ? null : system.Provider.ResolveActorRef(w.ReplyTo);
        return new StreamedMessage(w.SenderId, w.SerializerId, w.Manifest, w.TotalBytes, w.Sha256.ToByteArray(), chunks, replyTo);
    }

    private static StreamRefused Decode(WireStreamRefused w) => new(w.SenderId, w.Reason);
}
