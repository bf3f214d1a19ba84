using System.Text.RegularExpressions;

namespace HFedMoE.Actors.Configuration;

/// <summary>
/// Where a key is written in a HOCON text, for error messages: Akka's parsed config keeps no
/// positions. Looks, line by line outside comments, for the key's last segment written as a key
/// (followed by <c>=</c>, <c>:</c>, <c>{</c> or <c>+=</c>), preferring the line that spells the most
/// of the dotted path (<c>simulate.clients = 4</c> over a nested <c>clients = 4</c> elsewhere).
/// </summary>
internal static class KeyLocator
{
    /// <summary>The 1-based line, or null when the key cannot be found (e.g. it came from a substitution).</summary>
    public static int? LineOf(string text, string path)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(path);
        string[] segments = path.Split('.');
        var lines = text.Split('\n');
        int? best = null;
        int bestSpelled = -1;
        for (int i = 0; i < lines.Length; i++)
        {
            string line = WithoutComment(lines[i]);
            for (int k = 1; k <= segments.Length; k++)
            {
                // The last k segments, dotted, written as a key.
                string suffix = string.Join(@"\.", segments[^k..].Select(s => $"\"?{Regex.Escape(s)}\"?"));
                if (!Regex.IsMatch(line, $@"(^|[\s{{,.]){suffix}\s*(=|:|\{{|\+=)"))
                {
                    break;
                }
                if (k > bestSpelled)
                {
                    best = i + 1;
                    bestSpelled = k;
                }
            }
        }
        return best;
    }

    private static string WithoutComment(string line)
    {
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && (c == '#' || (c == '/' && i + 1 < line.Length && line[i + 1] == '/')))
            {
                return line[..i];
            }
        }
        return line;
    }
}
