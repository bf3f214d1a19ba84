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

    private static void WriteAtomically(string path, string text)
    {
        string temp = path + ".tmp";
        File.WriteAllText(temp, text);
        File.Move(temp, path, overwrite: true);
    }
}
