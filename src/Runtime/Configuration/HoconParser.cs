using System.Text;
using System.Text.RegularExpressions;

namespace HFedMoE.Runtime.Configuration;

/// <summary>
/// Builds an unresolved configuration tree from HOCON tokens: objects (root braces optional),
/// dotted keys, duplicate-key merging, arrays, value concatenation, substitutions and
/// <c>include</c>. Substitutions are left in the tree for <see cref="SubstitutionResolver"/>.
/// </summary>
internal sealed partial class HoconParser
{
    private readonly List<HoconToken> _tokens;
    private readonly string _originName;
    private readonly string _baseDirectory;
    private readonly IReadOnlyList<string> _includeChain;
    // Deeper nesting than any real config; stops hostile input before it overflows the stack.
    private const int MaxNesting = 256;

    private int _pos;
    private int _arrayDepth;
    private int _nesting;

    private HoconParser(string text, string originName, string baseDirectory, IReadOnlyList<string> includeChain)
    {
        _originName = originName;
        _baseDirectory = baseDirectory;
        _includeChain = includeChain;
        _tokens = HoconTokenizer.Tokenize(text, originName);
    }

    /// <param name="text">HOCON source.</param>
    /// <param name="originName">Shown in error messages (a file name, or what the caller chose).</param>
    /// <param name="baseDirectory">Where relative <c>include</c> paths are looked up.</param>
    /// <param name="includeChain">Full paths of the files being included around this one, to detect include cycles.</param>
    /// <param name="prefix">Where this text sits in the final tree (for includes inside objects); null at the root.</param>
    public static ConfigObject Parse(string text, string originName, string baseDirectory, IReadOnlyList<string>? includeChain = null, ConfigPath? prefix = null)
    {
        var parser = new HoconParser(text, originName, baseDirectory, includeChain ?? []);
        return parser.ParseRoot(prefix);
    }

    internal static ConfigurationException SyntaxError(ConfigOrigin at, string expected, string found) =>
        new($"{at}: expected {expected} but found {found}", at.Name, at.Line, at.Column);

    private HoconToken Peek(int ahead = 0) => _tokens[Math.Min(_pos + ahead, _tokens.Count - 1)];

    private HoconToken Take()
    {
        var token = Peek();
        if (_pos < _tokens.Count - 1)
        {
            _pos++;
        }

        return token;
    }

    private void SkipNewlines()
    {
        while (Peek().Kind == HoconTokenKind.Newline)
        {
            Take();
        }
    }

    private ConfigObject ParseRoot(ConfigPath? prefix)
    {
        SkipNewlines();
        ConfigObject root;
        if (Peek().Kind == HoconTokenKind.OpenBrace)
        {
            var open = Take();
            root = ParseObjectBody(prefix, open);
            SkipNewlines();
            if (Peek().Kind != HoconTokenKind.EndOfFile)
            {
                throw SyntaxError(Peek().Origin, "end of file after the closing '}' of the root object", Peek().Describe());
            }
        }
        else
        {
            root = ParseObjectBody(prefix, null);
        }

        return root;
    }

    /// <param name="open">The '{' token for a braced object; null for a root without braces.</param>
    private ConfigObject ParseObjectBody(ConfigPath? prefix, HoconToken? open)
    {
        var obj = new ConfigObject(open?.Origin ?? new ConfigOrigin(_originName, 1, 1));
        while (true)
        {
            SkipNewlines();
            var t = Peek();
            if (t.Kind == HoconTokenKind.CloseBrace)
            {
                if (open is null)
                {
                    throw SyntaxError(t.Origin, "a key", t.Describe());
                }

                Take();
                return obj;
            }

            if (t.Kind == HoconTokenKind.EndOfFile)
            {
                if (open is not null)
                {
                    throw SyntaxError(t.Origin, $"'}}' to close the object opened at line {open.Origin.Line}, column {open.Origin.Column}", t.Describe());
                }

                return obj;
            }

            string what;
            if (IsIncludeDirective())
            {
                ParseInclude(obj, prefix);
                what = "the include";
            }
            else
            {
                what = "the value of '" + ParseField(obj, prefix) + "'";
            }

            var after = Peek();
            switch (after.Kind)
            {
                case HoconTokenKind.Comma:
                    Take();
                    break;
                case HoconTokenKind.Newline:
                case HoconTokenKind.CloseBrace:
                case HoconTokenKind.EndOfFile:
                    break;
                default:
                    throw SyntaxError(after.Origin, $"',', '}}' or a new line after {what}", after.Describe());
            }
        }
    }

    /// <returns>The key as written, for error messages.</returns>
    private string ParseField(ConfigObject obj, ConfigPath? prefix)
    {
        var keyStart = Peek();
        var segments = ParseKey();
        var keyText = new ConfigPath(segments).ToString();
        var selfPath = ConfigPath.Concat(prefix, segments);
        var t = Peek();
        ConfigNode value;
        switch (t.Kind)
        {
            case HoconTokenKind.OpenBrace:
                value = ParseValue(selfPath);
                break;
            case HoconTokenKind.Separator:
                Take();
                SkipNewlines();
                value = ParseValue(selfPath);
                break;
            case HoconTokenKind.PlusEquals:
                // `a += x` is `a = ${?a} [x]`.
                Take();
                SkipNewlines();
                var element = ParseValue(selfPath);
                value = new ConfigConcatenation(t.Origin, [
                    new ConfigSubstitution(t.Origin, selfPath!, selfPath!.ToString(), optional: true, isSelfReference: true),
                    new ConfigArray(element.Origin, [element]),
                ]);
                break;
            default:
                throw SyntaxError(t.Origin, $"'=', ':' or '{{' after the key '{keyText}'", t.Describe());
        }

        for (var i = segments.Count - 1; i >= 1; i--)
        {
            var wrapper = new ConfigObject(keyStart.Origin);
            wrapper.Set(segments[i], value);
            value = wrapper;
        }

        SetOrMerge(obj, segments[0], value);
        return keyText;
    }

    private static void SetOrMerge(ConfigObject obj, string key, ConfigNode value) =>
        obj.Set(key, obj.Get(key) is { } existing ? ConfigMerger.Merge(value, existing) : value);

    /// <summary>
    /// Reads a key made of unquoted and quoted pieces written without spaces between them;
    /// dots in unquoted pieces separate path segments, dots in quoted pieces do not.
    /// </summary>
    private List<string> ParseKey()
    {
        var segments = new List<string>();
        var current = new StringBuilder();
        var hasContent = false;
        var first = Peek();
        var any = false;
        while (Peek().Kind is HoconTokenKind.Unquoted or HoconTokenKind.Quoted && (!any || Peek().WhitespaceBefore.Length == 0))
        {
            var t = Take();
            any = true;
            if (t.Kind == HoconTokenKind.Quoted)
            {
                current.Append(t.Text);
                hasContent = true;
                continue;
            }

            foreach (var c in t.Text)
            {
                if (c != '.')
                {
                    current.Append(c);
                    hasContent = true;
                    continue;
                }

                if (!hasContent)
                {
                    throw SyntaxError(t.Origin, "a key segment before '.'", $"an empty segment in '{t.Text}'");
                }

                segments.Add(current.ToString());
                current.Clear();
                hasContent = false;
            }
        }

        if (!any)
        {
            throw SyntaxError(first.Origin, "a key", first.Describe());
        }

        if (!hasContent)
        {
            throw SyntaxError(first.Origin, "a key segment after '.'", "an empty segment at the end of the key");
        }

        segments.Add(current.ToString());
        return segments;
    }

    private static bool StartsValue(HoconTokenKind kind) =>
        kind is HoconTokenKind.Unquoted or HoconTokenKind.Quoted or HoconTokenKind.Substitution
            or HoconTokenKind.OpenBrace or HoconTokenKind.OpenBracket;

    /// <param name="selfPath">The full path of the field this value is assigned to (for self-references); null inside arrays.</param>
    private ConfigNode ParseValue(ConfigPath? selfPath)
    {
        var parts = new List<ConfigNode>();
        var singleUnquoted = false;
        while (StartsValue(Peek().Kind))
        {
            var t = Take();
            if (parts.Count > 0 && t.WhitespaceBefore.Length > 0)
            {
                parts.Add(new ConfigScalar(t.Origin, t.WhitespaceBefore, ScalarKind.String, isWhitespace: true));
            }

            singleUnquoted = parts.Count == 0 && t.Kind == HoconTokenKind.Unquoted;
            parts.Add(t.Kind switch
            {
                HoconTokenKind.Unquoted => new ConfigScalar(t.Origin, t.Text, ScalarKind.String),
                HoconTokenKind.Quoted => new ConfigScalar(t.Origin, t.Text, ScalarKind.String),
                HoconTokenKind.Substitution => ParseSubstitution(t, selfPath),
                HoconTokenKind.OpenBrace => Nested(t, () => ParseObjectBody(selfPath, t)),
                _ => Nested(t, () => ParseArray(t)),
            });
        }

        if (parts.Count == 0)
        {
            throw SyntaxError(Peek().Origin, "a value", Peek().Describe());
        }

        if (parts.Count > 1)
        {
            return new ConfigConcatenation(parts[0].Origin, parts);
        }

        var only = parts[0];
        if (singleUnquoted && only is ConfigScalar scalar)
        {
            return new ConfigScalar(scalar.Origin, scalar.Text, Classify(scalar.Text));
        }

        return only;
    }

    private T Nested<T>(HoconToken open, Func<T> parse)
    {
        if (++_nesting > MaxNesting)
        {
            throw SyntaxError(open.Origin, $"at most {MaxNesting} levels of nested objects and arrays", "deeper nesting");
        }

        var result = parse();
        _nesting--;
        return result;
    }

    private static ScalarKind Classify(string unquoted) => unquoted switch
    {
        "true" or "false" => ScalarKind.Boolean,
        "null" => ScalarKind.Null,
        _ when NumberPattern().IsMatch(unquoted) => ScalarKind.Number,
        _ => ScalarKind.String,
    };

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberPattern();

    private ConfigSubstitution ParseSubstitution(HoconToken t, ConfigPath? selfPath)
    {
        ConfigPath path;
        try
        {
            path = ConfigPath.Parse(t.Text);
        }
        catch (ConfigurationException e)
        {
            throw SyntaxError(t.Origin, "a valid path inside '${...}'", $"'{t.Text}' ({e.Message})");
        }

        var isSelf = _arrayDepth == 0 && selfPath is not null && path.Equals(selfPath);
        return new ConfigSubstitution(t.Origin, path, t.Text, t.Optional, isSelf);
    }

    private ConfigArray ParseArray(HoconToken open)
    {
        var items = new List<ConfigNode>();
        _arrayDepth++;
        while (true)
        {
            SkipNewlines();
            var t = Peek();
            if (t.Kind == HoconTokenKind.CloseBracket)
            {
                Take();
                break;
            }

            if (t.Kind == HoconTokenKind.EndOfFile)
            {
                throw SyntaxError(t.Origin, $"']' to close the array opened at line {open.Origin.Line}, column {open.Origin.Column}", t.Describe());
            }

            items.Add(ParseValue(null));
            var after = Peek();
            switch (after.Kind)
            {
                case HoconTokenKind.Comma:
                    Take();
                    break;
                case HoconTokenKind.Newline:
                case HoconTokenKind.CloseBracket:
                    break;
                default:
                    throw SyntaxError(after.Origin, "',', ']' or a new line after an array element", after.Describe());
            }
        }

        _arrayDepth--;
        return new ConfigArray(open.Origin, items);
    }

    private bool IsIncludeDirective()
    {
        if (Peek() is not { Kind: HoconTokenKind.Unquoted, Text: "include" })
        {
            return false;
        }

        var next = Peek(1);
        return next.WhitespaceBefore.Length > 0
            && (next.Kind == HoconTokenKind.Quoted
                || (next.Kind == HoconTokenKind.Unquoted && next.Text.Contains('(', StringComparison.Ordinal)));
    }

    /// <summary>
    /// <c>include "f"</c>, <c>include file("f")</c>, <c>include required("f")</c> or
    /// <c>include required(file("f"))</c>. Paths are relative to the including file. A missing
    /// file is always an error here (stricter than the HOCON spec, on purpose: a typo in an
    /// include should not silently drop settings).
    /// </summary>
    private void ParseInclude(ConfigObject obj, ConfigPath? prefix)
    {
        var keyword = Take();
        var t = Take();
        var opens = 0;
        if (t.Kind == HoconTokenKind.Unquoted)
        {
            var rest = t.Text;
            while (rest.Length > 0)
            {
                if (rest.StartsWith("required(", StringComparison.Ordinal))
                {
                    rest = rest["required(".Length..];
                }
                else if (rest.StartsWith("file(", StringComparison.Ordinal))
                {
                    rest = rest["file(".Length..];
                }
                else
                {
                    throw SyntaxError(t.Origin, "include \"name\", file(\"name\") or required(\"name\") (classpath() and url() are not supported)", t.Describe());
                }

                opens++;
            }

            t = Take();
        }

        if (t.Kind != HoconTokenKind.Quoted)
        {
            throw SyntaxError(t.Origin, "a quoted file name after include", t.Describe());
        }

        var name = t.Text;
        var closed = 0;
        while (closed < opens)
        {
            var c = Take();
            if (c.Kind != HoconTokenKind.Unquoted || c.Text.Any(ch => ch != ')') || closed + c.Text.Length > opens)
            {
                throw SyntaxError(c.Origin, $"{opens - closed} closing ')' after the include file name", c.Describe());
            }

            closed += c.Text.Length;
        }

        var fullPath = Path.GetFullPath(Path.Combine(_baseDirectory, name));
        if (_includeChain.Contains(fullPath, StringComparer.Ordinal))
        {
            var chain = string.Join(" -> ", _includeChain.Append(fullPath));
            throw new ConfigurationException($"{keyword.Origin}: include cycle: {chain}", keyword.Origin.Name, keyword.Origin.Line, keyword.Origin.Column);
        }

        if (!File.Exists(fullPath))
        {
            throw new ConfigurationException(
                $"{keyword.Origin}: included file \"{name}\" not found (looked for {fullPath})",
                keyword.Origin.Name,
                keyword.Origin.Line,
                keyword.Origin.Column);
        }

        var included = Parse(
            File.ReadAllText(fullPath),
            fullPath,
            Path.GetDirectoryName(fullPath)!,
            [.. _includeChain, fullPath],
            prefix);
        foreach (var (key, value) in included.Fields)
        {
            SetOrMerge(obj, key, value);
        }
    }
}
