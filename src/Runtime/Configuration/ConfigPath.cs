using System.Text;

namespace HFedMoE.Runtime.Configuration;

/// <summary>
/// A path such as <c>hfedmoe.actor."System.Byte[]"</c>: dot-separated keys, where quoted
/// segments keep their dots.
/// </summary>
internal sealed class ConfigPath : IEquatable<ConfigPath>
{
    public ConfigPath(IReadOnlyList<string> segments)
    {
        if (segments.Count == 0)
        {
            throw new ArgumentException("A configuration path needs at least one segment.", nameof(segments));
        }

        Segments = segments;
    }

    public IReadOnlyList<string> Segments { get; }

    /// <summary>Parses a path expression as written in code or inside <c>${...}</c>.</summary>
    public static ConfigPath Parse(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var segments = new List<string>();
        var current = new StringBuilder();
        var currentHasContent = false;
        var text = expression.Trim();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '.')
            {
                if (!currentHasContent)
                {
                    throw new ConfigurationException($"Invalid path '{expression}': empty key segment (two dots, or a leading/trailing dot).") { Path = expression };
                }

                segments.Add(current.ToString());
                current.Clear();
                currentHasContent = false;
            }
            else if (c == '"')
            {
                var end = text.IndexOf('"', i + 1);
                if (end < 0)
                {
                    throw new ConfigurationException($"Invalid path '{expression}': unterminated quoted segment.") { Path = expression };
                }

                current.Append(text, i + 1, end - i - 1);
                currentHasContent = true;
                i = end;
            }
            else
            {
                current.Append(c);
                currentHasContent = true;
            }
        }

        if (!currentHasContent)
        {
            throw new ConfigurationException($"Invalid path '{expression}': empty key segment (two dots, or a leading/trailing dot).") { Path = expression };
        }

        segments.Add(current.ToString());
        return new ConfigPath(segments);
    }

    public ConfigPath Append(IReadOnlyList<string> more)
    {
        var all = new List<string>(Segments.Count + more.Count);
        all.AddRange(Segments);
        all.AddRange(more);
        return new ConfigPath(all);
    }

    public static ConfigPath? Concat(ConfigPath? prefix, IReadOnlyList<string> segments) =>
        prefix is null ? new ConfigPath(segments) : prefix.Append(segments);

    public bool Equals(ConfigPath? other) => other is not null && Segments.SequenceEqual(other.Segments, StringComparer.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as ConfigPath);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var s in Segments)
        {
            hash.Add(s, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }

    /// <summary>Renders the path, quoting segments that would not survive re-parsing.</summary>
    public override string ToString() => string.Join('.', Segments.Select(RenderKey));

    public static string RenderKey(string key) => NeedsQuotes(key) ? Quote(key) : key;

    private static bool NeedsQuotes(string key)
    {
        if (key.Length == 0)
        {
            return true;
        }

        foreach (var c in key)
        {
            if (!(char.IsLetterOrDigit(c) || c == '-' || c == '_'))
            {
                return true;
            }
        }

        return false;
    }

    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (char.IsControl(c))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
        return sb.ToString();
    }
}
