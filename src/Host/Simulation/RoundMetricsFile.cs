using System.Globalization;
using System.Text;
using System.Text.Json;

namespace HFedMoE.Host.Simulation;

/// <summary>
/// Per-round metrics as <c>rounds.csv</c> and <c>rounds.json</c>, rewritten whole after every
/// round so a run that stops early still leaves readable files.
/// </summary>
internal sealed class RoundMetricsFile(string directory)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string CsvPath { get; } = Path.Combine(directory, "rounds.csv");

    public string JsonPath { get; } = Path.Combine(directory, "rounds.json");

    public void Write(IReadOnlyList<RoundReport> rounds)
    {
        ArgumentNullException.ThrowIfNull(rounds);
        var keys = rounds.SelectMany(r => r.Metrics.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var csv = new StringBuilder();
        csv.Append("round,outcome,accuracy,rare_accuracy,accepted,dropped,seconds,model_digest");
        foreach (string k in keys)
        {
            csv.Append(',').Append(k);
        }
        csv.Append('\n');
        foreach (var r in rounds)
        {
            csv.Append(string.Create(CultureInfo.InvariantCulture,
                $"{r.Round},{r.Outcome},{r.Accuracy:R},{r.RareAccuracy:R},{r.Accepted},{r.Dropped},{r.Seconds:F3},{r.ModelDigest}"));
            foreach (string k in keys)
            {
                csv.Append(',');
                if (r.Metrics.TryGetValue(k, out double v))
                {
                    csv.Append(v.ToString("R", CultureInfo.InvariantCulture));
                }
            }
            csv.Append('\n');
        }
        WriteAtomically(CsvPath, csv.ToString());
        var json = rounds.Select(r => new
        {
            round = r.Round,
            outcome = r.Outcome,
            accuracy = r.Accuracy,
            rare_accuracy = r.RareAccuracy,
            accepted = r.Accepted,
            dropped = r.Dropped,
            seconds = r.Seconds,
            model_digest = r.ModelDigest,
            metrics = r.Metrics.Where(kv => double.IsFinite(kv.Value)).ToDictionary(kv => kv.Key, kv => kv.Value),
        });
        WriteAtomically(JsonPath, JsonSerializer.Serialize(json, Json));
    }

    /// <summary>
    /// The rows of <c>rounds.csv</c> (empty when there is none), as written by <see cref="Write"/>:
    /// the CSV rather than the JSON, because only the CSV keeps non-finite metrics.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not one <see cref="Write"/> wrote.</exception>
    public IReadOnlyList<RoundReport> Read()
    {
        if (!File.Exists(CsvPath))
        {
            return [];
        }
        string[] lines = File.ReadAllLines(CsvPath);
        const string Fixed = "round,outcome,accuracy,rare_accuracy,accepted,dropped,seconds,model_digest";
        if (lines.Length == 0 || !lines[0].StartsWith(Fixed, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{CsvPath} does not start with the header {Fixed}");
        }
        string[] keys = lines[0].Split(',')[8..];
        var rows = new List<RoundReport>();
        var inv = CultureInfo.InvariantCulture;
        for (int i = 1; i < lines.Length; i++)
        {
            string[] cells = lines[i].Split(',');
            if (cells.Length != 8 + keys.Length)
            {
                throw new InvalidDataException($"{CsvPath} line {i + 1} has {cells.Length} cells; the header has {8 + keys.Length}");
            }
            try
            {
                var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
                for (int k = 0; k < keys.Length; k++)
                {
                    if (cells[8 + k].Length > 0)
                    {
                        metrics[keys[k]] = double.Parse(cells[8 + k], NumberStyles.Float, inv);
                    }
                }
                rows.Add(new RoundReport(
                    int.Parse(cells[0], NumberStyles.Integer, inv), cells[1],
                    double.Parse(cells[2], NumberStyles.Float, inv), double.Parse(cells[3], NumberStyles.Float, inv),
                    int.Parse(cells[4], NumberStyles.Integer, inv), int.Parse(cells[5], NumberStyles.Integer, inv),
                    cells[7], double.Parse(cells[6], NumberStyles.Float, inv), metrics));
            }
            catch (FormatException e)
            {
                throw new InvalidDataException($"{CsvPath} line {i + 1}: {e.Message}", e);
            }
        }
        return rows;
    }

    /// <summary>Temporary file, flushed to disk, renamed over the old one: a crash leaves the old file or the new, never half of one.</summary>
    internal static void WriteAtomically(string path, string text)
    {
        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(Encoding.UTF8.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
