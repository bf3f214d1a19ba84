using HFedMoE.Model.Federated;

namespace HFedMoE.Host.Experiment;

/// <summary>
/// The experiment reduced per (α, budget set, strategy). The target of a seed is 95 % of
/// FedAvg-Full's final accuracy for the same seed, α and budget set; without FedAvg-Full in the
/// grid there is no target.
/// </summary>
internal sealed class SummaryTable
{
    public const double TargetFraction = 0.95;

    private SummaryTable(IReadOnlyList<StrategySummary> rows) => Rows = rows;

    /// <summary>In grid order: α, budget set, then strategy as first seen.</summary>
    public IReadOnlyList<StrategySummary> Rows { get; }

    /// <summary>The (α, budget set) groups, in grid order.</summary>
    public IEnumerable<IGrouping<(double Alpha, string Tiers), StrategySummary>> Groups => Rows.GroupBy(r => (r.Alpha, r.Tiers));

    public static SummaryTable From(IReadOnlyList<ExperimentRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var cells = rows.GroupBy(r => (r.Alpha, r.Tiers, r.Strategy, r.Seed))
            .ToDictionary(g => g.Key, g => (IReadOnlyList<ExperimentRow>)[.. g.OrderBy(r => r.Round)]);
        var summaries = new List<StrategySummary>();
        foreach (var group in cells.Keys.GroupBy(k => (k.Alpha, k.Tiers, k.Strategy)))
        {
            var seeds = new List<SeedSummary>();
            foreach (var key in group.OrderBy(k => k.Seed))
            {
                double target = cells.TryGetValue((key.Alpha, key.Tiers, StrategyFactory.FedAvgFull, key.Seed), out var full)
                    ? TargetFraction * full[^1].Accuracy
                    : double.NaN;
                seeds.Add(SeedSummary.From(key.Seed, cells[key], target));
            }
            int rounds = group.Max(k => cells[k].Count);
            summaries.Add(new StrategySummary(group.Key.Alpha, group.Key.Tiers, group.Key.Strategy, rounds, seeds));
        }
        return new SummaryTable(summaries);
    }
}
