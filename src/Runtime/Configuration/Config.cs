using System.Globalization;

namespace HFedMoE.Runtime.Configuration;

/// <summary>
/// An immutable, fully resolved configuration tree with typed getters. Paths are dotted
/// (<c>hfedmoe.actor.ask-timeout</c>); quote a segment to keep its dots
/// (<c>serializers."System.Byte[]"</c>). A key set to <c>null</c> counts as missing.
/// Getters without a default throw <see cref="ConfigurationException"/> for a missing key;
/// every getter throws for a value of the wrong type, naming the path, the value and what
/// was expected.
/// </summary>
public sealed class Config
{
    private readonly ConfigObject _root;

    // Where this tree sits in the config it came from, so errors name full paths.
    private readonly ConfigPath? _prefix;

    internal Config(ConfigObject root, ConfigPath? prefix = null)
    {
        _root = root;
        _prefix = prefix;
    }

    public static Config Empty { get; } = new(ConfigObject.CreateEmpty());

    public bool IsEmpty => _root.Count == 0;

    /// <summary>The immediate child keys of the root object, in the order they were first written.</summary>
    public IEnumerable<string> Keys => _root.Keys;

    internal ConfigObject Root => _root;

    public bool HasPath(string path) => Find(ParsePath(path)) is not null;

    /// <summary>This config wins; keys it lacks come from <paramref name="fallback"/>; objects merge deeply.</summary>
    public Config WithFallback(Config fallback)
    {
        ArgumentNullException.ThrowIfNull(fallback);
        if (fallback.IsEmpty)
        {
            return this;
        }

        return new Config((ConfigObject)ConfigMerger.Merge(_root, fallback._root), _prefix);
    }

    /// <summary>The object at <paramref name="path"/>, or <see cref="Empty"/> if there is none.</summary>
    public Config GetConfig(string path)
    {
        var p = ParsePath(path);
        return Find(p) switch
        {
            null => Empty,
            ConfigObject o => new Config(o, FullPath(p)),
            var other => throw WrongType(p, other, "an object"),
        };
    }

    public string GetString(string path) => GetRequired(path, ReadString);

    public string GetString(string path, string @default) => GetOptional(path, ReadString, @default);

    public int GetInt(string path) => GetRequired(path, ReadInt);

    public int GetInt(string path, int @default) => GetOptional(path, ReadInt, @default);

    public long GetLong(string path) => GetRequired(path, ReadLong);

    public long GetLong(string path, long @default) => GetOptional(path, ReadLong, @default);

    public double GetDouble(string path) => GetRequired(path, ReadDouble);

    public double GetDouble(string path, double @default) => GetOptional(path, ReadDouble, @default);

    /// <summary>Accepts true/false, on/off, yes/no (any case).</summary>
    public bool GetBoolean(string path) => GetRequired(path, ReadBoolean);

    public bool GetBoolean(string path, bool @default) => GetOptional(path, ReadBoolean, @default);

    /// <summary>A duration; a bare number is milliseconds and <c>infinite</c> is <see cref="Timeout.InfiniteTimeSpan"/>.</summary>
    public TimeSpan GetTimeSpan(string path) => GetRequired(path, ReadTimeSpan);

    public TimeSpan GetTimeSpan(string path, TimeSpan @default) => GetOptional(path, ReadTimeSpan, @default);

    /// <summary>A size in bytes; see the README for units (MB = 10^6, MiB/M = 2^20).</summary>
    public long GetByteSize(string path) => GetRequired(path, ReadByteSize);

    public long GetByteSize(string path, long @default) => GetOptional(path, ReadByteSize, @default);

    public IReadOnlyList<string> GetStringList(string path)
    {
        var p = ParsePath(path);
        var node = Find(p) ?? throw Missing(p);
        if (node is not ConfigArray array)
        {
            throw WrongType(p, node, "a list of strings");
        }

        return array.Items.Select((item, i) => item is ConfigScalar { Kind: not ScalarKind.Null } s
            ? s.Text
            : throw WrongType(p, item, $"a string at index {i} of the list")).ToArray();
    }

    public IReadOnlyList<Config> GetConfigList(string path)
    {
        var p = ParsePath(path);
        var node = Find(p) ?? throw Missing(p);
        if (node is not ConfigArray array)
        {
            throw WrongType(p, node, "a list of objects");
        }

        return array.Items.Select((item, i) => item is ConfigObject o
            ? new Config(o, FullPath(p))
            : throw WrongType(p, item, $"an object at index {i} of the list")).ToArray();
    }

    /// <summary>The whole tree as HOCON (JSON-like), for <c>config show</c> and debugging.</summary>
    public string Render() => ConfigRenderer.Render(_root);

    public override string ToString() => Render();

    private static ConfigPath ParsePath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return ConfigPath.Parse(path);
    }

    private ConfigPath FullPath(ConfigPath path) => _prefix is null ? path : _prefix.Append(path.Segments);

    private ConfigNode? Find(ConfigPath path)
    {
        ConfigNode current = _root;
        foreach (var segment in path.Segments)
        {
            if (current is not ConfigObject obj || obj.Get(segment) is not { } child)
            {
                return null;
            }

            current = child;
        }

        return current is ConfigScalar { Kind: ScalarKind.Null } ? null : current;
    }

    private T GetRequired<T>(string path, Func<ConfigPath, ConfigNode, T> read)
    {
        var p = ParsePath(path);
        var node = Find(p) ?? throw Missing(p);
        return read(p, node);
    }

    private T GetOptional<T>(string path, Func<ConfigPath, ConfigNode, T> read, T @default)
    {
        var p = ParsePath(path);
        return Find(p) is { } node ? read(p, node) : @default;
    }

    private ConfigurationException Missing(ConfigPath path)
    {
        var full = FullPath(path).ToString();
        return new ConfigurationException($"{full} is missing") { Path = full };
    }

    private ConfigurationException WrongType(ConfigPath path, ConfigNode node, string expected)
    {
        var full = FullPath(path).ToString();
        var found = node is ConfigScalar s ? $"{s.KindName} '{s.Text}'" : node.KindName;
        return new ConfigurationException(
            $"{full}: expected {expected} but found {found} (at {node.Origin})",
            node.Origin.Name,
            node.Origin.Line,
            node.Origin.Column,
            full);
    }

    private string ScalarText(ConfigPath path, ConfigNode node, string expected) =>
        node is ConfigScalar s ? s.Text : throw WrongType(path, node, expected);

    private string ReadString(ConfigPath path, ConfigNode node) => ScalarText(path, node, "a string");

    private int ReadInt(ConfigPath path, ConfigNode node)
    {
        const string expected = "an int (a whole number from -2147483648 to 2147483647)";
        return int.TryParse(ScalarText(path, node, expected).Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw WrongType(path, node, expected);
    }

    private long ReadLong(ConfigPath path, ConfigNode node)
    {
        const string expected = "a long (a whole number)";
        return long.TryParse(ScalarText(path, node, expected).Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw WrongType(path, node, expected);
    }

    private double ReadDouble(ConfigPath path, ConfigNode node)
    {
        // NaN and infinities are refused: a config typo must not turn into a poisoned learning rate.
        const string expected = "a finite number";
        return double.TryParse(ScalarText(path, node, expected).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw WrongType(path, node, expected);
    }

    private bool ReadBoolean(ConfigPath path, ConfigNode node)
    {
        const string expected = "a boolean (true/false, on/off, yes/no)";
        return ScalarText(path, node, expected).Trim().ToLowerInvariant() switch
        {
            "true" or "on" or "yes" => true,
            "false" or "off" or "no" => false,
            _ => throw WrongType(path, node, expected),
        };
    }

    private TimeSpan ReadTimeSpan(ConfigPath path, ConfigNode node) =>
        HoconDuration.TryParse(ScalarText(path, node, HoconDuration.Expected), out var v)
            ? v
            : throw WrongType(path, node, HoconDuration.Expected);

    private long ReadByteSize(ConfigPath path, ConfigNode node) =>
        HoconByteSize.TryParse(ScalarText(path, node, HoconByteSize.Expected), out var v)
            ? v
            : throw WrongType(path, node, HoconByteSize.Expected);
}
