using System.Text.Json;

namespace HFedMoE.Model.Data.Text;

/// <summary>
/// Reads client text as JSON Lines: each line an object with <c>"text"</c>, or an
/// instruction/response pair (<c>"instruction"</c> or <c>"prompt"</c>, with <c>"response"</c>,
/// <c>"output"</c> or <c>"completion"</c>; an optional <c>"input"</c> is appended to the
/// instruction). Blank lines are ignored. Any other line is bad: it is reported as
/// "file:line: reason" and skipped, or fatal, as <see cref="BadLinePolicy"/> says.
/// </summary>
public static class JsonlReader
{
    public static IReadOnlyList<TextExample> Read(string path, BadLinePolicy policy, ICollection<string> problems)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(problems);
        var examples = new List<TextExample>();
        int number = 0;
        foreach (string line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            string? reason = Parse(line, out var example);
            if (reason is null)
            {
                examples.Add(example! with { Source = path, Line = number });
                continue;
            }
            string message = $"{path}:{number}: {reason}";
            if (policy == BadLinePolicy.Fatal)
            {
                throw new JsonlFormatException(message + " (hfedmoe.hf.data.bad-lines = fatal; set it to skip to go on without such lines)");
            }
            problems.Add(message);
        }
        return examples;
    }

    private static string? Parse(string line, out TextExample? example)
    {
        example = null;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            return $"not valid JSON ({e.Message})";
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return $"expected a JSON object, found {root.ValueKind}";
            }
            if (String(root, "text") is { } text)
            {
                if (text.Length == 0)
                {
                    return "\"text\" is empty";
                }
                example = new TextExample(null, text, "", 0);
                return null;
            }
            string? prompt = String(root, "instruction") ?? String(root, "prompt");
            string? response = String(root, "response") ?? String(root, "output") ?? String(root, "completion");
            if (prompt is null || response is null)
            {
                return "expected a string \"text\", or \"instruction\"/\"prompt\" with \"response\"/\"output\"/\"completion\"";
            }
            if (String(root, "input") is { Length: > 0 } input)
            {
                prompt = prompt + "\n\n" + input;
            }
            example = new TextExample(prompt, response, "", 0);
            return null;
        }
    }

    private static string? String(JsonElement o, string key) =>
        o.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
