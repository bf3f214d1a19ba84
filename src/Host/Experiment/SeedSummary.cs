namespace HFedMoE.Host.Experiment;

/// <summary>
/// One cell reduced to the numbers §5 compares: the mean accuracy of the last three rounds, the
/// first round (1-based count of rounds run) reaching the target and the simulated time until
/// then (cumulative slowest-client time), and the compute spent over all rounds.
/// </summary>
internal sealed record SeedSummary(
    int Seed,
    double LastAccuracy,
    double LastRareAccuracy,
    double FinalAccuracy,
    double Target,
    int? RoundsToTarget,
    double TimeToTarget,
    double ExpertBackwardPasses,
    double Flops,
    double FailureRate,
    double MaxFailureRate,
    int IncompleteRounds)
{
    public const int LastRounds = 3;

    /// <param name="rows">The cell's rounds in order.</param>
    /// <param name="target">The accuracy to reach; NaN when no target is available.</param>
    public static SeedSummary From(int seed, IReadOnlyList<ExperimentRow> rows, double target)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            throw new ArgumentException($"seed {seed} has no rounds to summarise", nameof(rows));
        }
        var last = rows.TakeLast(LastRounds).ToList();
        int? reached = null;
        double time = double.NaN;
        if (!double.IsNaN(target))
        {
            double cumulative = 0;
            for (int i = 0; i < rows.Count; i++)
            {
                cumulative += rows[i].SlowestClientTime;
                if (rows[i].Accuracy >= target)
                {
                    reached = i + 1;
                    time = cumulative;
                    break;
                }
            }
        }
        return new SeedSummary(
            seed,
            last.Average(r => r.Accuracy),
            last.Average(r => r.RareAccuracy),
            rows[^1].Accuracy,
            target,
            reached,
            time,
            SumOrNaN(rows.Select(r => r.ExpertBackwardPasses)),
            SumOrNaN(rows.Select(r => r.Flops)),
            Statistics.Mean(rows.Select(r => r.FailureRate)),
            Statistics.Max(rows.Select(r => r.FailureRate)),
            rows.Count(r => r.Outcome != "committed"));
    }

    /// <summary>The sum of the reported values; NaN when a round did not report the metric at all.</summary>
    private static double SumOrNaN(IEnumerable<double> values)
    {
        double sum = 0;
        foreach (double v in values)
        {
            if (double.IsNaN(v))
            {
                return double.NaN;
            }
            sum += v;
        }
        return sum;
    }
}
