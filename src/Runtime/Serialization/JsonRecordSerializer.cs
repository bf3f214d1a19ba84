using System.Collections.Concurrent;
using System.Text.Json;

namespace HFedMoE.Runtime.Serialization;

/// <summary>
/// Fallback for plain records (tests, tools): System.Text.Json, with the manifest
/// <c>"Namespace.Type, AssemblyName"</c> (assembly-qualified without version/culture/key, so a
/// version bump does not orphan stored data). Renaming or moving the type breaks its stored
/// events: use protobuf messages for anything long-lived. Types are resolved by name, so only
/// read data you wrote yourself with this serializer.
/// </summary>
public sealed class JsonRecordSerializer : ISerializer
{
    public const int Id = 1;

    private readonly ConcurrentDictionary<string, Type> _types = new(StringComparer.Ordinal);
    // NaN and infinities are legitimate values in metrics (a round with no accepted update has
    // no mean loss); without named literals System.Text.Json refuses to write them, and a
    // persistent actor stops on a failed persist.
    private readonly JsonSerializerOptions _options = new()
    {
        IncludeFields = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public int Identifier => Id;

    public byte[] ToBinary(object obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), _options);
    }

    public object FromBinary(byte[] bytes, string manifest)
    {
        if (!_types.TryGetValue(manifest, out var type))
        {
            type = Type.GetType(manifest, throwOnError: false)
                ?? throw new UnknownManifestException(Id, manifest, "no loaded type has this name");
            _types.TryAdd(manifest, type);
        }
        return JsonSerializer.Deserialize(bytes, type, _options)
            ?? throw new JsonException($"JSON payload for {manifest} deserialized to null");
    }

    public string Manifest(object obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var t = obj.GetType();
        return $"{t.FullName}, {t.Assembly.GetName().Name}";
    }
}
