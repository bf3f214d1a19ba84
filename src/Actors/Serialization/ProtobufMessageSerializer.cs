using Akka.Actor;
using Akka.Serialization;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using HFedMoE.Actors.Protocol;
using HFedMoE.Actors.Rounds;

namespace HFedMoE.Actors.Serialization;

/// <summary>
/// Akka serializer for every protobuf message of this assembly (Protos/*.proto): the round
/// manager's journal events and snapshot, and the tensor protocol between clients, aggregators and
/// the registry. The manifest is the message's protobuf full name (<c>hfedmoe.rounds.v1.RoundStarted</c>),
/// which survives renames of the C# types, so a journal written by this version stays readable by
/// the next one as long as the field numbers in Protos/ are kept. Bound in hocon/reference.conf
/// (<c>akka.actor.serialization-bindings</c>), so nothing of ours falls back to a
/// reflection-based serializer.
/// </summary>
public sealed class ProtobufMessageSerializer : SerializerWithStringManifest
{
    /// <summary>Akka reserves 0–100 for its own serializers.</summary>
    public const int Id = 101;

    private static readonly IReadOnlyDictionary<string, MessageParser> Parsers = Build(
        EventsReflection.Descriptor, MergeReflection.Descriptor, Cluster.ClusterReflection.Descriptor, MessagesReflection.Descriptor,
        RoundReflection.Descriptor, TensorReflection.Descriptor, UpdatesReflection.Descriptor);

    public ProtobufMessageSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override int Identifier => Id;

    /// <summary>The protobuf full names this serializer reads.</summary>
    public static IEnumerable<string> Manifests => Parsers.Keys;

    public override byte[] ToBinary(object obj) => obj is IMessage message && Parsers.ContainsKey(message.Descriptor.FullName)
        ? message.ToByteArray()
        : throw new ArgumentException($"{nameof(ProtobufMessageSerializer)} writes the protobuf messages of HFedMoE.Actors; got {obj?.GetType().FullName ?? "null"}", nameof(obj));

    public override string Manifest(object o) => o is IMessage message
        ? message.Descriptor.FullName
        : throw new ArgumentException($"{nameof(ProtobufMessageSerializer)} writes protobuf messages; got {o?.GetType().FullName ?? "null"}", nameof(o));

    /// <exception cref="System.Runtime.Serialization.SerializationException">An unknown manifest, or bytes that are not that message.</exception>
    public override object FromBinary(byte[] bytes, string manifest)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (manifest is null || !Parsers.TryGetValue(manifest, out var parser))
        {
            throw new System.Runtime.Serialization.SerializationException(
                $"unknown protobuf manifest '{manifest}' for serializer {Id}; known: {string.Join(", ", Parsers.Keys.Order(StringComparer.Ordinal))}");
        }
        try
        {
            return parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new System.Runtime.Serialization.SerializationException($"{bytes.Length} bytes are not a valid {manifest}: {e.Message}", e);
        }
    }

    private static Dictionary<string, MessageParser> Build(params FileDescriptor[] files)
    {
        var parsers = new Dictionary<string, MessageParser>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (var message in file.MessageTypes)
            {
                parsers.Add(message.FullName, message.Parser);
            }
        }
        return parsers;
    }
}
