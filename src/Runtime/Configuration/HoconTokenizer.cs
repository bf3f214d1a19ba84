using System.Globalization;
using System.Text;

namespace HFedMoE.Runtime.Configuration;

/// <summary>Splits HOCON text into tokens, dropping comments and remembering positions.</summary>
internal sealed class HoconTokenizer
{
    private readonly string _text;
    private readonly string _origin;
    private int _pos;
    private int _line = 1;
    private int _column = 1;

    private HoconTokenizer(string text, string origin)
    {
        _text = text;
        _origin = origin;
    }

    public static List<HoconToken> Tokenize(string text, string origin)
    {
        var tokenizer = new HoconTokenizer(text, origin);
        var tokens = new List<HoconToken>();
        HoconToken token;
        do
        {
            token = tokenizer.Next();
            tokens.Add(token);
        }
        while (token.Kind != HoconTokenKind.EndOfFile);

        return tokens;
    }

    private char Peek(int ahead = 0) => _pos + ahead < _text.Length ? _text[_pos + ahead] : '\0';

    private bool AtEnd => _pos >= _text.Length;

    private ConfigOrigin Here => new(_origin, _line, _column);

    private char Advance()
    {
        var c = _text[_pos++];
        if (c == '\n')
        {
            _line++;
            _column = 1;
        }
        else
        {
            _column++;
        }

        return c;
    }

    private static bool IsInlineWhitespace(char c) => c != '\n' && (char.IsWhiteSpace(c) || c == '\uFEFF');

    private bool AtCommentStart => Peek() == '#' || (Peek() == '/' && Peek(1) == '/');

    private HoconToken Next()
    {
        var whitespace = new StringBuilder();
        while (!AtEnd && IsInlineWhitespace(Peek()))
        {
            var c = Advance();
            if (c != '\r')
            {
                whitespace.Append(c);
            }
        }

        if (AtCommentStart)
        {
            while (!AtEnd && Peek() != '\n')
            {
                Advance();
            }
        }

        var ws = whitespace.ToString();
        var start = Here;
        if (AtEnd)
        {
            return new HoconToken(HoconTokenKind.EndOfFile, "", start, ws);
        }

        var ch = Peek();
        switch (ch)
        {
            case '\n': Advance(); return new HoconToken(HoconTokenKind.Newline, "\n", start, ws);
            case ',': Advance(); return new HoconToken(HoconTokenKind.Comma, ",", start, ws);
            case '{': Advance(); return new HoconToken(HoconTokenKind.OpenBrace, "{", start, ws);
            case '}': Advance(); return new HoconToken(HoconTokenKind.CloseBrace, "}", start, ws);
            case '[': Advance(); return new HoconToken(HoconTokenKind.OpenBracket, "[", start, ws);
            case ']': Advance(); return new HoconToken(HoconTokenKind.CloseBracket, "]", start, ws);
            case '=':
            case ':':
                Advance();
                return new HoconToken(HoconTokenKind.Separator, ch.ToString(), start, ws);
            case '+' when Peek(1) == '=':
                Advance();
                Advance();
                return new HoconToken(HoconTokenKind.PlusEquals, "+=", start, ws);
            case '"':
                return Peek(1) == '"' && Peek(2) == '"' ? TripleQuoted(start, ws) : Quoted(start, ws);
            case '$':
                return Substitution(start, ws);
            default:
                return Unquoted(start, ws);
        }
    }

    private static bool EndsUnquoted(char c) =>
        char.IsWhiteSpace(c) || c == '\uFEFF' || c is '$' or '"' or '{' or '}' or '[' or ']' or ':' or '=' or ',' or '#' or '\\';

    private HoconToken Unquoted(ConfigOrigin start, string ws)
    {
        var sb = new StringBuilder();
        while (!AtEnd && !EndsUnquoted(Peek()) && !AtCommentStart && !(Peek() == '+' && Peek(1) == '='))
        {
            sb.Append(Advance());
        }

        if (sb.Length == 0)
        {
            throw Error(start, "a value or key", $"'{Peek()}'");
        }

        return new HoconToken(HoconTokenKind.Unquoted, sb.ToString(), start, ws);
    }

    private HoconToken Quoted(ConfigOrigin start, string ws)
    {
        Advance();
        var sb = new StringBuilder();
        while (true)
        {
            if (AtEnd || Peek() == '\n')
            {
                throw Error(Here, "a closing '\"'", AtEnd ? "end of file" : "end of line");
            }

            var c = Advance();
            if (c == '"')
            {
                return new HoconToken(HoconTokenKind.Quoted, sb.ToString(), start, ws);
            }

            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }

            var escapeAt = Here;
            if (AtEnd)
            {
                throw Error(escapeAt, "an escape character", "end of file");
            }

            var e = Advance();
            switch (e)
            {
                case '"': sb.Append('"'); break;
                case '\\': sb.Append('\\'); break;
                case '/': sb.Append('/'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'u':
                    var hex = new StringBuilder();
                    for (var i = 0; i < 4 && !AtEnd; i++)
                    {
                        hex.Append(Advance());
                    }

                    if (hex.Length != 4 || !int.TryParse(hex.ToString(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                    {
                        throw Error(escapeAt, "four hex digits after \\u", $"'{hex}'");
                    }

                    sb.Append((char)code);
                    break;
                default:
                    throw Error(escapeAt, "one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX", $"'\\{e}'");
            }
        }
    }

    private HoconToken TripleQuoted(ConfigOrigin start, string ws)
    {
        Advance();
        Advance();
        Advance();
        var sb = new StringBuilder();
        while (true)
        {
            if (AtEnd)
            {
                throw Error(Here, "a closing '\"\"\"'", "end of file");
            }

            if (Peek() == '"' && Peek(1) == '"' && Peek(2) == '"')
            {
                // Quotes just before the closing three belong to the string (`""""a""""` is `"a"`).
                while (Peek(3) == '"')
                {
                    sb.Append(Advance());
                }

                Advance();
                Advance();
                Advance();
                return new HoconToken(HoconTokenKind.Quoted, sb.ToString(), start, ws);
            }

            var c = Advance();
            if (c != '\r')
            {
                sb.Append(c);
            }
        }
    }

    private HoconToken Substitution(ConfigOrigin start, string ws)
    {
        if (Peek(1) != '{')
        {
            throw Error(start, "'${' to start a substitution", $"'${Peek(1)}'");
        }

        Advance();
        Advance();
        var optional = false;
        if (Peek() == '?')
        {
            Advance();
            optional = true;
        }

        var sb = new StringBuilder();
        var inQuotes = false;
        while (true)
        {
            if (AtEnd || Peek() == '\n')
            {
                throw Error(Here, "'}' to close the substitution", AtEnd ? "end of file" : "end of line");
            }

            var c = Advance();
            if (c == '"')
            {
                inQuotes = !inQuotes;
            }
            else if (c == '}' && !inQuotes)
            {
                break;
            }

            sb.Append(c);
        }

        var expression = sb.ToString().Trim();
        if (expression.Length == 0)
        {
            throw Error(start, "a path inside '${}'", "an empty substitution");
        }

        return new HoconToken(HoconTokenKind.Substitution, expression, start, ws, optional);
    }

    private static ConfigurationException Error(ConfigOrigin at, string expected, string found) =>
        HoconParser.SyntaxError(at, expected, found);
}
