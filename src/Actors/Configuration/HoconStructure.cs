using Akka.Configuration;

namespace HFedMoE.Actors.Configuration;

/// <summary>
/// The structural mistakes Akka's HOCON parser lets through silently (it reads
/// <c>strategy = "hfedmoe</c>, <c>budgets = [4, 8</c>, an unclosed or an extra brace, and a line
/// <c>= 3</c> as if nothing were wrong): unterminated strings, unbalanced braces and brackets,
/// and a value without a key. Only a scan of quotes, comments and brackets, before Akka parses the
/// text; everything else about HOCON is Akka's.
/// </summary>
internal static class HoconStructure
{
    /// <exception cref="ConfigurationException">"{source}:{line}:{column}: what is wrong".</exception>
    public static void Check(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var open = new Stack<(char Bracket, int Line, int Column)>();
        int line = 1, column = 0;
        bool lineHasContent = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            column++;
            if (c == '\n')
            {
                line++;
                column = 0;
                lineHasContent = false;
                continue;
            }
            if (c == '#' || (c == '/' && At(text, i, "//")))
            {
                i = SkipToEndOfLine(text, i) - 1;
                continue;
            }
            if (c == '"')
            {
                int start = i, startLine = line, startColumn = column;
                i = At(text, i, "\"\"\"") ? EndOfTripleQuoted(text, i) : EndOfQuoted(text, i);
                if (i < 0)
                {
                    throw Fail(source, startLine, startColumn, "a string starts here and is never closed (a quote is missing)");
                }
                int newlines = text.AsSpan(start, i - start + 1).Count('\n');
                if (newlines > 0)
                {
                    line += newlines;
                    column = i - text.LastIndexOf('\n', i);
                }
                else
                {
                    column += i - start;
                }
                lineHasContent = true;
                continue;
            }
            if ((c == '=' || c == ':') && !lineHasContent)
            {
                throw Fail(source, line, column, $"'{c}' with no key before it");
            }
            if (c is '{' or '[')
            {
                open.Push((c, line, column));
            }
            else if (c is '}' or ']')
            {
                char expected = c == '}' ? '{' : '[';
                if (open.Count == 0)
                {
                    throw Fail(source, line, column, $"'{c}' closes nothing (one '{expected}' too few, or one '{c}' too many)");
                }
                var (bracket, l, col) = open.Pop();
                if (bracket != expected)
                {
                    throw Fail(source, line, column, $"'{c}' closes the '{bracket}' opened at {l}:{col}");
                }
            }
            if (!char.IsWhiteSpace(c) && c != ',')
            {
                lineHasContent = true;
            }
        }
        if (open.Count > 0)
        {
            var (bracket, l, col) = open.Peek();
            throw Fail(source, l, col, $"'{bracket}' is opened here and never closed");
        }
    }

    private static bool At(string text, int i, string token) => string.CompareOrdinal(text, i, token, 0, token.Length) == 0;

    private static int SkipToEndOfLine(string text, int i)
    {
        int end = text.IndexOf('\n', i);
        return end < 0 ? text.Length : end;
    }

    /// <summary>The index of the closing quote of the string opened at <paramref name="i"/>, or -1 when the line ends first.</summary>
    private static int EndOfQuoted(string text, int i)
    {
        for (int j = i + 1; j < text.Length; j++)
        {
            switch (text[j])
            {
                case '\\':
                    j++;
                    break;
                case '"':
                    return j;
                case '\n':
                    return -1;
            }
        }
        return -1;
    }

    private static int EndOfTripleQuoted(string text, int i)
    {
        int end = text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
        return end < 0 ? -1 : end + 2;
    }

    private static ConfigurationException Fail(string source, int line, int column, string problem) =>
        new($"{source}:{line}:{column}: malformed HOCON: {problem}");
}
