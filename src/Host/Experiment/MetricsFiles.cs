using System.Globalization;
using System.Text;
using System.Text.Json;

namespace HFedMoE.Host.Experiment;

/// <summary>
/// metrics.csv (one row per cell and round, the columns of <see cref="Header"/>) and
/// metrics.json (the same rows, plus per-tier compute and per-expert trainer counts; NaN as null).
/// </summary>
internal static class MetricsFiles
{
    public static IReadOnlyList<string> Header { get; } =
    [
        "alpha", "tiers", "strategy", "seed", "round", "outcome", "accuracy", "rare_accuracy", "local_accuracy", "start_accuracy",
        "drop_after_aggregation", "local_minus_global", "expert_backward_passes", "flops", "slowest_client_time", "failure_rate",
        "experts_above_tau", "gating_uniformity", "usage_balance", "seconds",
    ];

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static string Csv(IReadOnlyList<ExperimentRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var text = new StringBuilder().Append(CsvText.Line(Header)).Append('\n');
        foreach (var r in rows)
        {
            text.Append(CsvText.Line(
            [
                CsvText.Field(r.Alpha), CsvText.Field(r.Tiers), CsvText.Field(r.Strategy), r.Seed.ToString(CultureInfo.InvariantCulture),
                r.Round.ToString(CultureInfo.InvariantCulture), CsvText.Field(r.Outcome), CsvText.Field(r.Accuracy), CsvText.Field(r.RareAccuracy),
                CsvText.Field(r.LocalAccuracy), CsvText.Field(r.StartAccuracy), CsvText.Field(r.DropAfterAggregation), CsvText.Field(r.LocalMinusGlobal),
                CsvText.Field(r.ExpertBackwardPasses), CsvText.Field(r.Flops), CsvText.Field(r.SlowestClientTime), CsvText.Field(r.FailureRate),
                CsvText.Field(r.ExpertsAboveTau), CsvText.Field(r.GatingUniformity), CsvText.Field(r.UsageBalance), CsvText.Field(r.Seconds),
            ])).Append('\n');
        }
        return text.ToString();
    }

    public static string JsonText(IReadOnlyList<ExperimentRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        static double? N(double v) => double.IsFinite(v) ? v : null;
        var items = rows.Select(r => new Dictionary<string, object?>
        {
            ["alpha"] = r.Alpha,
            ["tiers"] = r.Tiers,
            ["strategy"] = r.Strategy,
            ["seed"] = r.Seed,
            ["round"] = r.Round,
            ["outcome"] = r.Outcome,
            ["accuracy"] = N(r.Accuracy),
            ["rare_accuracy"] = N(r.RareAccuracy),
            ["local_accuracy"] = N(r.LocalAccuracy),
            ["start_accuracy"] = N(r.StartAccuracy),
            ["drop_after_aggregation"] = N(r.DropAfterAggregation),
            ["local_minus_global"] = N(r.LocalMinusGlobal),
            ["expert_backward_passes"] = N(r.ExpertBackwardPasses),
            ["flops"] = N(r.Flops),
            ["slowest_client_time"] = N(r.SlowestClientTime),
            ["failure_rate"] = N(r.FailureRate),
            ["experts_above_tau"] = N(r.ExpertsAboveTau),
            ["gating_uniformity"] = N(r.GatingUniformity),
            ["usage_balance"] = N(r.UsageBalance),
            ["seconds"] = N(r.Seconds),
            ["tier_backward_passes"] = r.TierBackwardPasses.ToDictionary(kv => kv.Key, kv => N(kv.Value)),
            ["tier_clients"] = r.TierClients.ToDictionary(kv => kv.Key, kv => N(kv.Value)),
            ["expert_trainers"] = r.ExpertTrainers.Select(N).ToList(),
        });
        return JsonSerializer.Serialize(items, Json);
    }
}
