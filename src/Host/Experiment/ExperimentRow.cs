using HFedMoE.Host.Simulation;
using HFedMoE.Model.Federated;

namespace HFedMoE.Host.Experiment;

/// <summary>
/// One round of one cell, as metrics.csv/json hold it. A metric the round did not report is NaN.
/// <see cref="DropAfterAggregation"/> is LocalAccuracy(r) − LocalStartAccuracy(r+1): the clients'
/// own models before the merge against the merged model on the same clients' data next round
/// (NaN for the last round); <see cref="LocalMinusGlobal"/> is LocalAccuracy(r) − Accuracy(r).
/// </summary>
internal sealed record ExperimentRow(
    double Alpha,
    string Tiers,
    string Strategy,
    int Seed,
    int Round,
    string Outcome,
    double Accuracy,
    double RareAccuracy,
    double LocalAccuracy,
    double StartAccuracy,
    double DropAfterAggregation,
    double LocalMinusGlobal,
    double ExpertBackwardPasses,
    double Flops,
    double SlowestClientTime,
    double FailureRate,
    double ExpertsAboveTau,
    double GatingUniformity,
    double UsageBalance,
    double Seconds,
    IReadOnlyDictionary<string, double> TierBackwardPasses,
    IReadOnlyDictionary<string, double> TierClients,
    IReadOnlyList<double> ExpertTrainers)
{
    /// <summary>The rows of one cell's rounds, in round order.</summary>
    public static IReadOnlyList<ExperimentRow> From(GridCell cell, IReadOnlyList<RoundReport> rounds)
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(rounds);
        var rows = new List<ExperimentRow>(rounds.Count);
        for (int i = 0; i < rounds.Count; i++)
        {
            var r = rounds[i];
            var m = r.Metrics;
            double local = Get(m, RoundMetric.LocalAccuracy);
            double nextStart = i + 1 < rounds.Count ? Get(rounds[i + 1].Metrics, RoundMetric.LocalStartAccuracy) : double.NaN;
            rows.Add(new ExperimentRow(
                cell.Alpha, cell.Tiers, cell.Strategy, cell.Seed, r.Round, r.Outcome, r.Accuracy, r.RareAccuracy,
                local, Get(m, RoundMetric.LocalStartAccuracy), local - nextStart, local - r.Accuracy,
                Get(m, RoundMetric.ExpertBackwardPasses), Get(m, RoundMetric.Flops), Get(m, RoundMetric.SlowestClientTime),
                Get(m, RoundMetric.FailureRate), Get(m, RoundMetric.ExpertsAboveTau), Get(m, RoundMetric.GatingUniformity),
                Get(m, RoundMetric.ExpertUsageBalance), r.Seconds,
                Tier(m, ".expert_backward_passes"), Tier(m, ".clients"), Trainers(m)));
        }
        return rows;
    }

    private static double Get(IReadOnlyDictionary<string, double> metrics, string name) =>
        metrics.TryGetValue(name, out double v) ? v : double.NaN;

    private static Dictionary<string, double> Tier(IReadOnlyDictionary<string, double> metrics, string suffix) =>
        metrics.Where(kv => kv.Key.StartsWith(RoundMetric.TierPrefix, StringComparison.Ordinal) && kv.Key.EndsWith(suffix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[RoundMetric.TierPrefix.Length..^suffix.Length], kv => kv.Value, StringComparer.Ordinal);

    /// <summary>Per-expert trainer counts indexed by global expert id (NaN for an id the round skipped).</summary>
    private static double[] Trainers(IReadOnlyDictionary<string, double> metrics)
    {
        var ids = new Dictionary<int, double>();
        foreach (var (key, value) in metrics)
        {
            if (key.StartsWith(RoundMetric.ExpertTrainersPrefix, StringComparison.Ordinal)
                && int.TryParse(key.AsSpan(RoundMetric.ExpertTrainersPrefix.Length), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int id) && id >= 0)
            {
                ids[id] = value;
            }
        }
        if (ids.Count == 0)
        {
            return [];
        }
        var counts = new double[ids.Keys.Max() + 1];
        Array.Fill(counts, double.NaN);
        foreach (var (id, value) in ids)
        {
            counts[id] = value;
        }
        return counts;
    }
}
