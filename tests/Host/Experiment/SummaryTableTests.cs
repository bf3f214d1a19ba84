using HFedMoE.Host.Experiment;
using HFedMoE.Host.Simulation;
using HFedMoE.Model.Federated;

namespace HFedMoE.Host.Tests.Experiment;

public sealed class SummaryTableTests
{
    private static StrategySummary Row(SummaryTable table, string strategy) => table.Rows.Single(r => r.Strategy == strategy);

    [Fact]
    public void Accuracy_is_the_mean_of_the_last_three_rounds_per_seed_then_mean_and_sample_sd_over_seeds()
    {
        var rows = SyntheticRows.Cell("random-k", 7, [0.1, 0.5, 0.6, 0.7])
            .Concat(SyntheticRows.Cell("random-k", 11, [0.2, 0.7, 0.8, 0.9])).ToList();

        var s = Row(SummaryTable.From(rows), "random-k");

        Assert.Equal(0.6, s.Seeds[0].LastAccuracy, 12);   // (0.5 + 0.6 + 0.7) / 3
        Assert.Equal(0.8, s.Seeds[1].LastAccuracy, 12);   // (0.7 + 0.8 + 0.9) / 3
        Assert.Equal(0.7, s.MeanAccuracy, 12);
        Assert.Equal(Math.Sqrt(0.02), s.SdAccuracy, 12);  // ((0.1² + 0.1²) / 1)^½
        Assert.Equal(0.35, s.MeanRareAccuracy, 12);
        Assert.Equal(40, s.ExpertBackwardPasses);        // 4 rounds × 10
        Assert.False(s.TargetAvailable);
        Assert.Equal("n/a", DisplayFormat.RoundsToTarget(s));
    }

    [Fact]
    public void One_seed_has_no_spread_and_prints_a_dash()
    {
        var s = Row(SummaryTable.From([.. SyntheticRows.Cell("hfedmoe", 7, [0.5, 0.6])]), "hfedmoe");

        Assert.True(double.IsNaN(s.SdAccuracy));
        Assert.Equal("55.0 ± –", DisplayFormat.PercentSpread(s.MeanAccuracy, s.SdAccuracy));
    }

    [Fact]
    public void Rounds_and_time_to_target_use_95_percent_of_fedavg_full_final_accuracy_of_the_same_seed()
    {
        // fedavg-full ends at 0.8 → target 0.76. Slowest-client time of round r is r + 1 (SyntheticRows).
        var rows = SyntheticRows.Cell(StrategyFactory.FedAvgFull, 7, [0.5, 0.7, 0.8])
            .Concat(SyntheticRows.Cell(StrategyFactory.HFedMoE, 7, [0.6, 0.77, 0.78]))
            .Concat(SyntheticRows.Cell(StrategyFactory.RandomK, 7, [0.5, 0.6, 0.7]))
            // seed 11: fedavg-full ends at 0.6 → target 0.57, hfedmoe reaches it in round 0.
            .Concat(SyntheticRows.Cell(StrategyFactory.FedAvgFull, 11, [0.5, 0.55, 0.6]))
            .Concat(SyntheticRows.Cell(StrategyFactory.HFedMoE, 11, [0.58, 0.4, 0.4]))
            .Concat(SyntheticRows.Cell(StrategyFactory.RandomK, 11, [0.6, 0.6, 0.6]))
            .ToList();

        var table = SummaryTable.From(rows);
        var h = Row(table, StrategyFactory.HFedMoE);
        var random = Row(table, StrategyFactory.RandomK);
        var full = Row(table, StrategyFactory.FedAvgFull);

        Assert.Equal(0.76, h.Seeds[0].Target, 12);
        Assert.Equal(2, h.Seeds[0].RoundsToTarget);     // 0.77 in the second round
        Assert.Equal(3, h.Seeds[0].TimeToTarget, 12);   // 1 + 2
        Assert.Equal(1, h.Seeds[1].RoundsToTarget);
        Assert.Equal(1, h.Seeds[1].TimeToTarget, 12);
        Assert.Equal(1.5, h.RoundsToTarget, 12);
        Assert.Equal(2, h.TimeToTarget, 12);
        Assert.Equal("1.5", DisplayFormat.RoundsToTarget(h));

        Assert.Null(random.Seeds[0].RoundsToTarget);      // 0.7 < 0.76
        Assert.Equal(1, random.Seeds[1].RoundsToTarget);  // 0.6 ≥ 0.57
        Assert.Equal(">3 (1/2)", DisplayFormat.RoundsToTarget(random));
        Assert.Equal(3, full.Seeds[0].RoundsToTarget);    // 0.8 ≥ 0.76 only at the end
    }

    [Fact]
    public void Never_reaching_the_target_prints_greater_than_the_rounds()
    {
        var rows = SyntheticRows.Cell(StrategyFactory.FedAvgFull, 7, [0.9, 0.9])
            .Concat(SyntheticRows.Cell(StrategyFactory.SnipTopK, 7, [0.1, 0.2])).ToList();

        var s = Row(SummaryTable.From(rows), StrategyFactory.SnipTopK);

        Assert.Equal(0, s.Reached);
        Assert.Equal(">2", DisplayFormat.RoundsToTarget(s));
        Assert.Equal("never", DisplayFormat.TimeToTarget(s));
    }

    [Fact]
    public void Verdicts_compare_hfedmoe_with_the_best_budget_respecting_baseline_against_the_seed_spread()
    {
        var rows = SyntheticRows.Cell(StrategyFactory.FedAvgFull, 7, [0.85, 0.85, 0.85], passes: 40)
            .Concat(SyntheticRows.Cell(StrategyFactory.FedAvgFull, 11, [0.85, 0.85, 0.85], passes: 40))
            .Concat(SyntheticRows.Cell(StrategyFactory.HFedMoE, 7, [0.81, 0.81, 0.81]))
            .Concat(SyntheticRows.Cell(StrategyFactory.HFedMoE, 11, [0.83, 0.83, 0.83]))
            .Concat(SyntheticRows.Cell(StrategyFactory.RandomK, 7, [0.70, 0.70, 0.70]))
            .Concat(SyntheticRows.Cell(StrategyFactory.RandomK, 11, [0.72, 0.72, 0.72]))
            .Concat(SyntheticRows.Cell(StrategyFactory.FrequencyTopK, 7, [0.60, 0.60, 0.60]))
            .Concat(SyntheticRows.Cell(StrategyFactory.FrequencyTopK, 11, [0.60, 0.60, 0.60]))
            .Concat(SyntheticRows.Cell(StrategyFactory.HFedMoEBeta0, 7, [0.81, 0.81, 0.81]))
            .Concat(SyntheticRows.Cell(StrategyFactory.HFedMoEBeta0, 11, [0.83, 0.83, 0.83]))
            .Concat(SyntheticRows.Cell(StrategyFactory.HFedMoELambda1, 7, [0.60, 0.60, 0.60], failureRate: 0.25))
            .Concat(SyntheticRows.Cell(StrategyFactory.HFedMoELambda1, 11, [0.62, 0.62, 0.62]))
            .ToList();

        var lines = Verdicts.For(SummaryTable.From(rows).Rows);

        string beats = Assert.Single(lines, l => l.StartsWith("Beats the best budget-respecting baseline", StringComparison.Ordinal));
        Assert.Contains(": YES.", beats, StringComparison.Ordinal);
        Assert.Contains("vs random-k 71.0 ± 1.4 %", beats, StringComparison.Ordinal);
        Assert.Contains("+11.0 pp", beats, StringComparison.Ordinal);
        Assert.Contains("fewer rounds to target", lines[1], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("YES", lines[1], StringComparison.Ordinal); // target 0.8075: hfedmoe reaches it in round 1 on both seeds; random-k never
        Assert.Contains(lines, l => l == "Never fails a client: YES (failure rate 0 in every round).");
        Assert.Contains(lines, l => l.StartsWith("Against fedavg-full: accuracy -3.0 pp", StringComparison.Ordinal) && l.Contains("at 25.0 % of its expert backward passes", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Ablation hfedmoe-beta0: costs nothing measurable", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Ablation hfedmoe-lambda1: costs accuracy -21.0 pp", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_fedavg_full_the_target_is_unavailable_and_a_tie_within_the_spread_is_no()
    {
        var rows = SyntheticRows.Cell(StrategyFactory.HFedMoE, 7, [0.80])
            .Concat(SyntheticRows.Cell(StrategyFactory.HFedMoE, 11, [0.70]))
            .Concat(SyntheticRows.Cell(StrategyFactory.HeteroFL, 7, [0.76]))
            .Concat(SyntheticRows.Cell(StrategyFactory.HeteroFL, 11, [0.74]))
            .Concat(SyntheticRows.Cell(StrategyFactory.HFedMoE, 7, [0.5], alpha: 0.1, failureRate: 0.5))
            .ToList();

        var table = SummaryTable.From(rows);
        var wide = Verdicts.For(table.Groups.Single(g => g.Key.Alpha == 0.5));
        var skewed = Verdicts.For(table.Groups.Single(g => g.Key.Alpha == 0.1));

        Assert.Contains(wide, l => l.StartsWith("Target unavailable", StringComparison.Ordinal));
        Assert.Contains(wide, l => l.StartsWith("Beats the best budget-respecting baseline by more than the seed spread: NO.", StringComparison.Ordinal));
        Assert.Contains(skewed, l => l.StartsWith("Never fails a client: NO (max failure rate 50.0 %", StringComparison.Ordinal));
    }

    [Fact]
    public void Rows_from_round_reports_compute_the_drop_after_aggregation_and_treat_missing_metrics_as_NaN()
    {
        var cell = new GridCell(0.1, [4, 8], StrategyFactory.HFedMoE, 7, TiersInPath: false);
        var rounds = new[]
        {
            new RoundReport(0, "committed", 0.5, 0.4, 3, 0, "d0", 1.0, new Dictionary<string, double>
            {
                [RoundMetric.LocalAccuracy] = 0.9, [RoundMetric.LocalStartAccuracy] = 0.3,
                [RoundMetric.ExpertTrainers(0)] = 2, [RoundMetric.ExpertTrainers(2)] = 1,
                [RoundMetric.TierBackwardPasses("b4")] = 40, [RoundMetric.TierClients("b4")] = 2,
            }),
            new RoundReport(1, "committed", 0.6, 0.5, 3, 0, "d1", 1.0, new Dictionary<string, double>
            {
                [RoundMetric.LocalAccuracy] = 0.95, [RoundMetric.LocalStartAccuracy] = 0.7,
            }),
        };

        var rows = ExperimentRow.From(cell, rounds);

        Assert.Equal("4-8", rows[0].Tiers);
        Assert.Equal(0.9 - 0.7, rows[0].DropAfterAggregation, 12);
        Assert.Equal(0.9 - 0.5, rows[0].LocalMinusGlobal, 12);
        Assert.True(double.IsNaN(rows[1].DropAfterAggregation)); // no next round
        Assert.True(double.IsNaN(rows[0].Flops));
        Assert.Equal([2, double.NaN, 1], rows[0].ExpertTrainers);
        Assert.Equal(40, rows[0].TierBackwardPasses["b4"]);
        Assert.Equal(2, rows[0].TierClients["b4"]);
        Assert.Empty(rows[1].ExpertTrainers);
    }
}
