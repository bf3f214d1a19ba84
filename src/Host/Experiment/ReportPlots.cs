using System.Globalization;
using HFedMoE.Model.Federated;

namespace HFedMoE.Host.Experiment;

/// <summary>
/// Builds the report's plots from the rows: per (α, budget set) the accuracy curves (mean over
/// seeds with the min–max band), the accuracy drop right after aggregation, compute per client
/// tier, and expert-usage heatmaps for hfedmoe and up to two baselines (fedavg-full and the most
/// accurate budget-respecting one); plus one picture with the accuracy curves of every α.
/// </summary>
internal static class ReportPlots
{
    public static IReadOnlyList<GroupPlots> For(IReadOnlyList<ExperimentRow> rows, SummaryTable table)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(table);
        bool manyTiers = rows.Select(r => r.Tiers).Distinct(StringComparer.Ordinal).Count() > 1;
        var plots = new List<GroupPlots>();
        foreach (var group in table.Groups)
        {
            var (alpha, tiers) = group.Key;
            var groupRows = rows.Where(r => r.Alpha == alpha && r.Tiers == tiers).ToList();
            var strategies = group.Select(s => s.Strategy).ToList();
            string a = alpha.ToString("R", CultureInfo.InvariantCulture);
            string suffix = $"a{a}" + (manyTiers ? $"-tiers-{tiers}" : "");
            string where = $"α = {a}" + (manyTiers ? $", tiers {tiers}" : "");

            var accuracy = new SvgLinePlot($"Global test accuracy per round ({where})", "round", "accuracy") { YRange = (0, 1), Percent = true };
            var drop = new SvgLinePlot($"Local accuracy drop right after aggregation ({where})", "round", "LocalAcc(r) − LocalStartAcc(r+1)") { Percent = true, Reference = 0 };
            foreach (string strategy in strategies)
            {
                var byRound = groupRows.Where(r => r.Strategy == strategy).GroupBy(r => r.Round).OrderBy(g => g.Key).ToList();
                var x = byRound.Select(g => (double)g.Key).ToList();
                accuracy.Series.Add(new PlotSeries(strategy, x,
                    [.. byRound.Select(g => Statistics.Mean(g.Select(r => r.Accuracy)))],
                    [.. byRound.Select(g => Statistics.Min(g.Select(r => r.Accuracy)))],
                    [.. byRound.Select(g => Statistics.Max(g.Select(r => r.Accuracy)))]));
                drop.Series.Add(new PlotSeries(strategy, x, [.. byRound.Select(g => Statistics.Mean(g.Select(r => r.DropAfterAggregation)))]));
            }

            var tierNames = groupRows.SelectMany(r => r.TierBackwardPasses.Keys).Distinct(StringComparer.Ordinal).OrderBy(CapOf).ToList();
            var compute = new double[strategies.Count, tierNames.Count];
            for (int s = 0; s < strategies.Count; s++)
            {
                for (int t = 0; t < tierNames.Count; t++)
                {
                    compute[s, t] = Statistics.Mean(groupRows.Where(r => r.Strategy == strategies[s]).Select(r => PerClient(r, tierNames[t])));
                }
            }
            var bars = new SvgBarChart($"Expert backward passes per client per round, by tier ({where})", "backward passes", strategies, tierNames, compute);

            var heatmaps = new List<NamedPlot>();
            foreach (string strategy in HeatmapStrategies(group.ToList()))
            {
                var cellRows = groupRows.Where(r => r.Strategy == strategy).ToList();
                int experts = cellRows.Count == 0 ? 0 : cellRows.Max(r => r.ExpertTrainers.Count);
                var rounds = cellRows.Select(r => r.Round).Distinct().Order().ToList();
                var matrix = new double[experts, rounds.Count];
                for (int c = 0; c < rounds.Count; c++)
                {
                    var atRound = cellRows.Where(r => r.Round == rounds[c]).ToList();
                    for (int e = 0; e < experts; e++)
                    {
                        matrix[e, c] = Statistics.Mean(atRound.Select(r => e < r.ExpertTrainers.Count ? r.ExpertTrainers[e] : double.NaN));
                    }
                }
                heatmaps.Add(new NamedPlot($"usage-{suffix}-{strategy}.svg", $"{strategy}: clients that trained each expert, per round ({where}, mean over seeds)",
                    new SvgHeatmap($"Expert usage: {strategy} ({where})", "expert", "round", matrix).Render()));
            }

            plots.Add(new GroupPlots(alpha, tiers,
                new NamedPlot($"accuracy-{suffix}.svg", $"Global test accuracy per round ({where}): mean over seeds, band = min–max", accuracy.Render()),
                new NamedPlot($"drop-{suffix}.svg", $"Accuracy drop right after aggregation ({where}), mean over seeds; above 0 = the merge lost accuracy on the clients' own data", drop.Render()),
                new NamedPlot($"compute-{suffix}.svg", $"Compute per client tier ({where}): expert backward passes per client per round, mean over seeds and rounds", bars.Render()),
                heatmaps));
        }
        return plots;
    }

    /// <summary>The accuracy curves of every group side by side in one picture (plots/summary.svg).</summary>
    public static NamedPlot Picture(IReadOnlyList<ExperimentRow> rows, SummaryTable table)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(table);
        var panels = new List<SvgCanvas>();
        foreach (var group in table.Groups)
        {
            var (alpha, tiers) = group.Key;
            var plot = new SvgLinePlot(string.Create(CultureInfo.InvariantCulture, $"Accuracy, α = {alpha}, tiers {tiers}"), "round", "accuracy")
            {
                YRange = (0, 1),
                Percent = true,
                Width = 560,
                Height = 320,
            };
            // HFedMoE against the baselines (the ablations have their own plots): its line thick, with
            // its seed band; the baselines' means only, or the picture is a blur of bands.
            foreach (var s in group.Where(s => !IsAblation(s.Strategy)))
            {
                bool main = s.Strategy == StrategyFactory.HFedMoE;
                var byRound = rows.Where(r => r.Alpha == alpha && r.Tiers == tiers && r.Strategy == s.Strategy).GroupBy(r => r.Round).OrderBy(g => g.Key).ToList();
                plot.Series.Add(new PlotSeries(s.Strategy, [.. byRound.Select(g => (double)g.Key)],
                    [.. byRound.Select(g => Statistics.Mean(g.Select(r => r.Accuracy)))],
                    main ? [.. byRound.Select(g => Statistics.Min(g.Select(r => r.Accuracy)))] : null,
                    main ? [.. byRound.Select(g => Statistics.Max(g.Select(r => r.Accuracy)))] : null,
                    Emphasised: main));
            }
            panels.Add(plot.Draw());
        }
        double width = Math.Max(1, panels.Count) * 560, height = 320;
        var picture = new SvgCanvas(width, height);
        for (int i = 0; i < panels.Count; i++)
        {
            picture.Embed(panels[i], i * 560, 0);
        }
        return new NamedPlot("summary.svg", "Accuracy per round for every α: hfedmoe (thick; band = min–max over seeds) against the baselines (means over seeds)", picture.Render());
    }

    /// <summary>The HFedMoE ablations are the factory names that extend "hfedmoe-".</summary>
    private static bool IsAblation(string strategy) => StrategySummary.IsAblation(strategy);

    /// <summary>hfedmoe, fedavg-full and the most accurate budget-respecting baseline, those in the grid.</summary>
    private static IEnumerable<string> HeatmapStrategies(IReadOnlyList<StrategySummary> group)
    {
        var names = group.Select(s => s.Strategy).ToHashSet(StringComparer.Ordinal);
        var best = group.Where(s => StrategySummary.BudgetRespectingBaselines.Contains(s.Strategy)).MaxBy(s => s.MeanAccuracy);
        string?[] wanted = [StrategyFactory.HFedMoE, StrategyFactory.FedAvgFull, best?.Strategy];
        return wanted.OfType<string>().Where(names.Contains).Distinct(StringComparer.Ordinal);
    }

    private static double PerClient(ExperimentRow row, string tier) =>
        row.TierBackwardPasses.TryGetValue(tier, out double passes) && row.TierClients.TryGetValue(tier, out double clients) && clients > 0
            ? passes / clients
            : double.NaN;

    /// <summary>Tiers named b{cap} sort by cap; others after them by name.</summary>
    private static double CapOf(string tier) =>
        tier.StartsWith('b') && double.TryParse(tier.AsSpan(1), NumberStyles.Float, CultureInfo.InvariantCulture, out double cap) ? cap : double.MaxValue;
}
