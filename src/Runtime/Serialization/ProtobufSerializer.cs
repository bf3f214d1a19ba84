using System.Collections.Concurrent;
using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace HFedMoE.Runtime.Serialization;

/// <summary>
/// Serializes generated protobuf messages (<see cref="IMessage"/>). The manifest is the
/// message's full protobuf name (e.g. <c>hfedmoe.RoundStarted</c>), so data survives renames
/// of the C# namespace. Parsers are found by reflection on the generated type's static
/// <c>Descriptor</c>/<c>Parser</c> properties and cached in this instance (not statically:
/// two registries never share mutable state).
/// </summary>
public sealed class ProtobufSerializer : ISerializer
{
    public const int Id = 2;

    private readonly ConcurrentDictionary<string, MessageParser> _parsers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Type, string> _names = new();

    /// <summary>Creates the serializer, optionally pre-registering message types so lookups never scan assemblies.</summary>
    public ProtobufSerializer(IEnumerable<Type>? knownMessageTypes = null)
    {
        foreach (var t in knownMessageTypes ?? [])
        {
            Register(t);
        }
    }

    public int Identifier => Id;

    public byte[] ToBinary(object obj)
    {
        if (obj is not IMessage message)
        {
            throw new ArgumentException($"ProtobufSerializer expects a Google.Protobuf.IMessage, got {obj?.GetType().FullName ?? "null"}", nameof(obj));
        }
        return message.ToByteArray();
    }

    public object FromBinary(byte[] bytes, string manifest)
    {
        var parser = _parsers.GetValueOrDefault(manifest) ?? FindParser(manifest)
            ?? throw new UnknownManifestException(Id, manifest, "no loaded Google.Protobuf.IMessage type has this full protobuf name");
        return parser.ParseFrom(bytes);
    }

    public string Manifest(object obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var t = obj.GetType();
        if (_names.TryGetValue(t, out var name))
        {
            return name;
        }
        if (obj is not IMessage message)
        {
            throw new ArgumentException($"ProtobufSerializer expects a Google.Protobuf.IMessage, got {t.FullName}", nameof(obj));
        }
        name = message.Descriptor.FullName;
        Register(t);
        return name;
    }

    /// <summary>Makes <paramref name="messageType"/> known by its protobuf full name.</summary>
    public void Register(Type messageType)
    {
        var (name, parser) = Describe(messageType)
            ?? throw new ArgumentException($"{messageType.FullName} is not a generated protobuf message (needs static Descriptor and Parser properties)", nameof(messageType));
        _parsers.TryAdd(name, parser);
        _names.TryAdd(messageType, name);
    }

    private MessageParser? FindParser(string manifest)
    {
        // Slow path, taken once per unknown manifest: scan loaded assemblies for a message
        // type with this protobuf name.
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (assembly.IsDynamic)
            {
                continue;
            }
            Type[] types;
            try
            {
                types = assembly.GetTypes();
            }
            catch (ReflectionTypeLoadException e)
            {
                types = e.Types.Where(t => t is not null).ToArray()!;
            }
            foreach (var t in types)
            {
                if (!typeof(IMessage).IsAssignableFrom(t) || t.IsAbstract || t.IsInterface)
                {
                    continue;
                }
                var described = Describe(t);
                if (described is { } d && d.Name == manifest)
                {
                    _names.TryAdd(t, d.Name);
                    return _parsers.GetOrAdd(d.Name, d.Parser);
                }
            }
        }
        return null;
    }

    private static (string Name, MessageParser Parser)? Describe(Type t)
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.Static;
        if (t.GetProperty("Descriptor", flags)?.GetValue(null) is not MessageDescriptor descriptor
            || t.GetProperty("Parser", flags)?.GetValue(null) is not MessageParser parser)
        {
            return null;
        }
        return (descriptor.FullName, parser);
    }
}
