using System.Globalization;
using System.Text;

namespace HFedMoE.Host.Experiment;

/// <summary>summary.csv (one row per α, budget set and strategy) and summary.md (the same as tables, then the verdicts).</summary>
internal static class SummaryFiles
{
    public static string Csv(SummaryTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var text = new StringBuilder();
        text.Append("alpha,tiers,strategy,seeds,accuracy_per_seed,rare_accuracy_per_seed,accuracy_mean,accuracy_sd,rare_accuracy_mean,rare_accuracy_sd,")
            .Append("rounds_to_target,seeds_reaching_target,time_to_target,expert_backward_passes,flops,failure_rate\n");
        foreach (var s in table.Rows)
        {
            text.Append(CsvText.Line(
            [
                CsvText.Field(s.Alpha), CsvText.Field(s.Tiers), CsvText.Field(s.Strategy),
                CsvText.Field(string.Join(';', s.Seeds.Select(x => x.Seed.ToString(CultureInfo.InvariantCulture)))),
                CsvText.Field(string.Join(';', s.Seeds.Select(x => CsvText.Field(x.LastAccuracy)))),
                CsvText.Field(string.Join(';', s.Seeds.Select(x => CsvText.Field(x.LastRareAccuracy)))),
                CsvText.Field(s.MeanAccuracy), CsvText.Field(s.SdAccuracy), CsvText.Field(s.MeanRareAccuracy), CsvText.Field(s.SdRareAccuracy),
                s.TargetAvailable ? CsvText.Field(s.RoundsToTarget) : "", s.TargetAvailable ? s.Reached.ToString(CultureInfo.InvariantCulture) : "",
                s.TargetAvailable ? CsvText.Field(s.TimeToTarget) : "",
                CsvText.Field(s.ExpertBackwardPasses), CsvText.Field(s.Flops), CsvText.Field(s.FailureRate),
            ])).Append('\n');
        }
        return text.ToString();
    }

    public static string Markdown(SummaryTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var md = new StringBuilder();
        md.Append("# HFedMoE experiment summary\n\n");
        md.Append(string.Create(CultureInfo.InvariantCulture,
            $"Accuracy: mean of the last {SeedSummary.LastRounds} rounds per seed, then mean ± sample sd over seeds (percent). Target: {SummaryTable.TargetFraction:P0} of fedavg-full's final accuracy, same seed, α and tiers; \">R\" never reached within R rounds, \">R (k/n)\": k of n seeds reached it (the mean is over those). Time to target: cumulative slowest-client time (full-budget batches). Compute: totals over all rounds, mean over seeds.\n\n"));
        foreach (var group in table.Groups)
        {
            md.Append(string.Create(CultureInfo.InvariantCulture, $"## α = {group.Key.Alpha}, tiers {group.Key.Tiers}\n\n"));
            md.Append("| strategy | accuracy per seed | accuracy | rare accuracy | rounds to target | time to target | expert backward passes | FLOPs | failure rate |\n");
            md.Append("|---|---|---|---|---|---|---|---|---|\n");
            foreach (var s in group)
            {
                string perSeed = string.Join(", ", s.Seeds.Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.Seed}: {DisplayFormat.Percent(x.LastAccuracy)}")));
                md.Append(CultureInfo.InvariantCulture,
                    $"| {Escape(s.Strategy)} | {perSeed} | {DisplayFormat.PercentSpread(s.MeanAccuracy, s.SdAccuracy)} | {DisplayFormat.PercentSpread(s.MeanRareAccuracy, s.SdRareAccuracy)} | {DisplayFormat.RoundsToTarget(s)} | {DisplayFormat.TimeToTarget(s)} | {DisplayFormat.Large(s.ExpertBackwardPasses)} | {DisplayFormat.Large(s.Flops)} | {DisplayFormat.Percent(s.FailureRate)} % |\n");
            }
            md.Append("\nVerdicts (computed):\n\n");
            foreach (string line in Verdicts.For(group))
            {
                md.Append("- ").Append(line).Append('\n');
            }
            md.Append('\n');
        }
        return md.ToString();
    }

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
