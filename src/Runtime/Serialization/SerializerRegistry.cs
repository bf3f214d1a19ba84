using System.Collections.Concurrent;
using Google.Protobuf;

namespace HFedMoE.Runtime.Serialization;

/// <summary>
/// Chooses a serializer for an object by its type, and finds a serializer by id when reading.
/// Bindings are checked in order (put specific types first); the first binding whose type is
/// assignable from the object's type wins, and the choice is cached per type in this
/// instance. Shared by persistence and remoting.
/// </summary>
public sealed class SerializerRegistry
{
    private readonly IReadOnlyList<(Type Type, ISerializer Serializer)> _bindings;
    private readonly Dictionary<int, ISerializer> _byId;
    private readonly ISerializer? _fallback;
    private readonly ConcurrentDictionary<Type, ISerializer> _chosen = new();

    /// <param name="bindings">type → serializer, most specific first.</param>
    /// <param name="fallback">used when no binding matches; null means such objects cannot be serialized.</param>
    public SerializerRegistry(IEnumerable<(Type Type, ISerializer Serializer)> bindings, ISerializer? fallback = null)
    {
        _bindings = bindings.ToList();
        _fallback = fallback;
        _byId = new Dictionary<int, ISerializer>();
        foreach (var s in _bindings.Select(b => b.Serializer).Append(fallback).OfType<ISerializer>())
        {
            if (_byId.TryGetValue(s.Identifier, out var existing) && !ReferenceEquals(existing, s))
            {
                throw new ArgumentException($"two serializers share identifier {s.Identifier}: {existing.GetType().Name} and {s.GetType().Name}");
            }
            _byId[s.Identifier] = s;
        }
    }

    /// <summary>
    /// byte[] → <see cref="ByteArraySerializer"/>, protobuf messages → <see cref="ProtobufSerializer"/>,
    /// and (when <paramref name="jsonFallback"/>) everything else → <see cref="JsonRecordSerializer"/>.
    /// </summary>
    public static SerializerRegistry CreateDefault(bool jsonFallback = true) => new(
        [(typeof(byte[]), new ByteArraySerializer()), (typeof(IMessage), new ProtobufSerializer())],
        jsonFallback ? new JsonRecordSerializer() : null);

    /// <summary>A copy of this registry with <paramref name="type"/> bound to <paramref name="serializer"/>, ahead of the existing bindings.</summary>
    public SerializerRegistry WithBinding(Type type, ISerializer serializer) =>
        new(_bindings.Prepend((type, serializer)), _fallback);

    public ISerializer FindSerializerFor(Type type)
    {
        if (_chosen.TryGetValue(type, out var s))
        {
            return s;
        }
        foreach (var (bound, serializer) in _bindings)
        {
            if (bound.IsAssignableFrom(type))
            {
                return _chosen.GetOrAdd(type, serializer);
            }
        }
        return _fallback is null
            ? throw new NotSupportedException($"no serializer bound for {type.FullName} and no fallback configured")
            : _chosen.GetOrAdd(type, _fallback);
    }

    public ISerializer GetSerializerById(int identifier) =>
        _byId.TryGetValue(identifier, out var s)
            ? s
            : throw new UnknownManifestException(identifier, string.Empty, $"no serializer with id {identifier} is registered (known: {string.Join(", ", _byId.Keys.Order())})");

    public SerializedPayload Serialize(object obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var s = FindSerializerFor(obj.GetType());
        return new SerializedPayload(s.Identifier, s.Manifest(obj), s.ToBinary(obj));
    }

    public object Deserialize(int serializerId, string manifest, byte[] bytes) =>
        GetSerializerById(serializerId).FromBinary(bytes, manifest);

    public object Deserialize(SerializedPayload payload) =>
        Deserialize(payload.SerializerId, payload.Manifest, payload.Bytes);
}
