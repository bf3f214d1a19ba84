using System.Globalization;
using HFedMoE.Model.Federated;

namespace HFedMoE.Host.Experiment;

/// <summary>
/// The §5 criteria, computed from one (α, budget set) group of the summary: does HFedMoE beat the
/// best budget-respecting baseline by more than the seed spread, reach the target in fewer rounds,
/// never fail a client, and land near FedAvg-Full at a fraction of its compute; and what each
/// ablation costs. "Spread" is the larger sample sd (over seeds) of the two strategies compared.
/// </summary>
internal static class Verdicts
{
    /// <summary>
    /// The criteria for hfedmoe (with its ablations), then, when the grid holds it, the same
    /// criteria for hfedmoe-plus against the same baselines.
    /// </summary>
    public static IReadOnlyList<string> For(IEnumerable<StrategySummary> group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var rows = group.ToDictionary(r => r.Strategy, StringComparer.Ordinal);
        var lines = new List<string>();
        if (!rows.ContainsKey(StrategyFactory.HFedMoE))
        {
            lines.Add("hfedmoe is not in the grid: no verdict.");
        }
        else
        {
            lines.AddRange(ForCandidate(rows, StrategyFactory.HFedMoE, withAblations: true));
        }
        if (rows.ContainsKey(StrategyFactory.HFedMoEPlus))
        {
            lines.AddRange(ForCandidate(rows, StrategyFactory.HFedMoEPlus, withAblations: false).Select(l => $"{StrategyFactory.HFedMoEPlus}: {l}"));
        }
        return lines;
    }

    private static List<string> ForCandidate(Dictionary<string, StrategySummary> rows, string candidate, bool withAblations)
    {
        var lines = new List<string>();
        var h = rows[candidate];
        rows.TryGetValue(StrategyFactory.FedAvgFull, out var full);
        var baselines = StrategySummary.BudgetRespectingBaselines.Where(rows.ContainsKey).Select(s => rows[s]).ToList();
        if (full is null)
        {
            lines.Add("Target unavailable: fedavg-full is not in the grid, so rounds- and time-to-target are not computed.");
        }

        if (baselines.Count == 0)
        {
            lines.Add("Accuracy: no budget-respecting baseline in the grid to compare with.");
        }
        else
        {
            var best = baselines.MaxBy(b => b.MeanAccuracy)!;
            double margin = h.MeanAccuracy - best.MeanAccuracy;
            double spread = Spread(h, best);
            string verdict = margin <= 0 ? "NO"
                : double.IsNaN(spread) ? "UNDETERMINED (one seed: the spread is unknown)"
                : margin > spread ? "YES" : "NO";
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"Beats the best budget-respecting baseline by more than the seed spread: {verdict}. {candidate} {DisplayFormat.PercentSpread(h.MeanAccuracy, h.SdAccuracy)} % vs {best.Strategy} {DisplayFormat.PercentSpread(best.MeanAccuracy, best.SdAccuracy)} % ({DisplayFormat.Points(margin)}, spread {DisplayFormat.Points(spread)}); rare slice {DisplayFormat.Percent(h.MeanRareAccuracy)} % vs {DisplayFormat.Percent(best.MeanRareAccuracy)} % ({DisplayFormat.Points(h.MeanRareAccuracy - best.MeanRareAccuracy)}). Budget-respecting baselines here: {string.Join(", ", baselines.Select(b => b.Strategy))}."));

            if (full is not null)
            {
                var fastest = baselines.Where(b => b.Reached > 0).OrderBy(b => b.ReachedOnEverySeed ? 0 : 1).ThenBy(b => b.RoundsToTarget).FirstOrDefault();
                string rounds;
                if (!h.ReachedOnEverySeed)
                {
                    rounds = $"NO: {candidate} reaches the target on {h.Reached}/{h.Seeds.Count} seeds";
                }
                else if (fastest is null || !fastest.ReachedOnEverySeed)
                {
                    rounds = $"YES: {candidate} needs {DisplayFormat.RoundsToTarget(h)} rounds; no budget-respecting baseline reaches it on every seed" + (fastest is null ? "" : $" (best: {fastest.Strategy} {DisplayFormat.RoundsToTarget(fastest)})");
                }
                else
                {
                    rounds = (h.RoundsToTarget < fastest.RoundsToTarget ? "YES" : "NO") + $": {candidate} {DisplayFormat.RoundsToTarget(h)} rounds (time {DisplayFormat.TimeToTarget(h)}) vs {fastest.Strategy} {DisplayFormat.RoundsToTarget(fastest)} (time {DisplayFormat.TimeToTarget(fastest)})";
                }
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"Fewer rounds to target ({SummaryTable.TargetFraction:P0} of fedavg-full's final accuracy): {rounds}."));
            }
        }

        string fails = double.IsNaN(h.MaxFailureRate)
            ? "UNKNOWN (no failure rate reported)"
            : h.MaxFailureRate == 0 && h.IncompleteRounds == 0 ? "YES (failure rate 0 in every round)"
            : string.Create(CultureInfo.InvariantCulture, $"NO (max failure rate {h.MaxFailureRate:P1}, {h.IncompleteRounds} incomplete rounds)");
        lines.Add($"Never fails a client: {fails}.");

        if (full is not null)
        {
            double passes = h.ExpertBackwardPasses / full.ExpertBackwardPasses, flops = h.Flops / full.Flops;
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"Against fedavg-full: accuracy {DisplayFormat.Points(h.MeanAccuracy - full.MeanAccuracy)} ({DisplayFormat.Percent(h.MeanAccuracy)} % vs {DisplayFormat.Percent(full.MeanAccuracy)} %) at {DisplayFormat.Percent(passes)} % of its expert backward passes and {DisplayFormat.Percent(flops)} % of its FLOPs."));
        }

        foreach (var ablation in rows.Values.Where(r => withAblations && StrategySummary.IsAblation(r.Strategy)))
        {
            lines.Add(Ablation(h, ablation));
        }
        return lines;
    }

    /// <summary>The larger of the two strategies' seed sd; NaN when either has a single seed.</summary>
    private static double Spread(StrategySummary a, StrategySummary b) =>
        double.IsNaN(a.SdAccuracy) || double.IsNaN(b.SdAccuracy) ? double.NaN : Math.Max(a.SdAccuracy, b.SdAccuracy);

    private static string Ablation(StrategySummary h, StrategySummary a)
    {
        double accuracy = a.MeanAccuracy - h.MeanAccuracy, rare = a.MeanRareAccuracy - h.MeanRareAccuracy;
        double spread = Spread(h, a);
        double rareSpread = double.IsNaN(spread) ? double.NaN : Math.Max(h.SdRareAccuracy, a.SdRareAccuracy);
        var costs = new List<string>();
        if (!double.IsNaN(spread) ? accuracy < -spread : accuracy < 0)
        {
            costs.Add($"accuracy {DisplayFormat.Points(accuracy)}");
        }
        if (!double.IsNaN(rareSpread) ? rare < -rareSpread : rare < 0)
        {
            costs.Add($"rare accuracy {DisplayFormat.Points(rare)}");
        }
        if (h.ReachedOnEverySeed && (!a.ReachedOnEverySeed || a.RoundsToTarget > h.RoundsToTarget))
        {
            costs.Add($"rounds to target {DisplayFormat.RoundsToTarget(a)} vs {DisplayFormat.RoundsToTarget(h)}");
        }
        double compute = a.ExpertBackwardPasses / h.ExpertBackwardPasses;
        if (compute > 1.0001)
        {
            costs.Add($"{DisplayFormat.Percent(compute - 1)} % more expert backward passes");
        }
        string basis = double.IsNaN(spread) ? "one seed, so any loss counts" : $"beyond the seed spread {DisplayFormat.Points(spread)}";
        string verdict = costs.Count > 0 ? $"costs {string.Join(", ", costs)} ({basis})" : $"costs nothing measurable ({basis})";
        return string.Create(CultureInfo.InvariantCulture,
            $"Ablation {a.Strategy}: {verdict}; accuracy {DisplayFormat.Percent(a.MeanAccuracy)} % ({DisplayFormat.Points(accuracy)}), rare {DisplayFormat.Percent(a.MeanRareAccuracy)} % ({DisplayFormat.Points(rare)}), rounds to target {DisplayFormat.RoundsToTarget(a)}.");
    }
}
