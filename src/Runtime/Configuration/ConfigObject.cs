namespace HFedMoE.Runtime.Configuration;

/// <summary>An object: keys in the order they first appeared, each with a value.</summary>
internal sealed class ConfigObject : ConfigNode
{
    private readonly List<string> _order = [];
    private readonly Dictionary<string, ConfigNode> _fields = new(StringComparer.Ordinal);
    private bool? _resolved;

    public ConfigObject(ConfigOrigin origin) : base(origin) { }

    public static ConfigObject CreateEmpty() => new(ConfigOrigin.None);

    public IReadOnlyList<string> Keys => _order.AsReadOnly();

    public int Count => _order.Count;

    public override string KindName => "an object";

    public override bool IsResolved => _resolved ??= _fields.Values.All(v => v.IsResolved);

    public bool TryGet(string key, out ConfigNode value) => _fields.TryGetValue(key, out value!);

    public ConfigNode? Get(string key) => _fields.GetValueOrDefault(key);

    public IEnumerable<KeyValuePair<string, ConfigNode>> Fields => _order.Select(k => new KeyValuePair<string, ConfigNode>(k, _fields[k]));

    /// <summary>Only for code that is still building this object (parser, merger, resolver).</summary>
    internal void Set(string key, ConfigNode value)
    {
        if (!_fields.ContainsKey(key))
        {
            _order.Add(key);
        }

        _fields[key] = value;
        _resolved = null;
    }
}
