using HFedMoE.Model.Federated;

namespace HFedMoE.Host.Experiment;

/// <summary>One strategy at one α and budget set, over its seeds.</summary>
internal sealed record StrategySummary(double Alpha, string Tiers, string Strategy, int Rounds, IReadOnlyList<SeedSummary> Seeds)
{
    /// <summary>
    /// Baselines that keep each client within its budget (or, for FedAvg-Naive, fail the steps
    /// that exceed it): everything §4 lists except FedAvg-Full, the unconstrained reference, and
    /// HFedMoE with its ablations.
    /// </summary>
    public static IReadOnlyList<string> BudgetRespectingBaselines { get; } =
    [
        StrategyFactory.FedAvgNaive, StrategyFactory.RandomK, StrategyFactory.FrequencyTopK, StrategyFactory.Flame,
        StrategyFactory.SnipTopK, StrategyFactory.HeteroFL,
    ];

    /// <summary>HFedMoE with one option changed; hfedmoe-plus is a method of its own, not an ablation.</summary>
    public static bool IsAblation(string strategy) =>
        strategy.StartsWith(StrategyFactory.HFedMoE + "-", StringComparison.Ordinal) && strategy != StrategyFactory.HFedMoEPlus;

    public double MeanAccuracy => Statistics.Mean(Seeds.Select(s => s.LastAccuracy));

    public double SdAccuracy => Statistics.SampleSd(Seeds.Select(s => s.LastAccuracy));

    public double MeanRareAccuracy => Statistics.Mean(Seeds.Select(s => s.LastRareAccuracy));

    public double SdRareAccuracy => Statistics.SampleSd(Seeds.Select(s => s.LastRareAccuracy));

    public bool TargetAvailable => Seeds.All(s => !double.IsNaN(s.Target));

    public int Reached => Seeds.Count(s => s.RoundsToTarget is not null);

    public bool ReachedOnEverySeed => TargetAvailable && Reached == Seeds.Count;

    /// <summary>Mean rounds-to-target over the seeds that reached it (NaN if none did).</summary>
    public double RoundsToTarget => Statistics.Mean(Seeds.Where(s => s.RoundsToTarget is not null).Select(s => (double)s.RoundsToTarget!.Value));

    /// <summary>Mean simulated time-to-target over the seeds that reached it.</summary>
    public double TimeToTarget => Statistics.Mean(Seeds.Where(s => s.RoundsToTarget is not null).Select(s => s.TimeToTarget));

    public double ExpertBackwardPasses => Statistics.Mean(Seeds.Select(s => s.ExpertBackwardPasses));

    public double Flops => Statistics.Mean(Seeds.Select(s => s.Flops));

    public double FailureRate => Statistics.Mean(Seeds.Select(s => s.FailureRate));

    public double MaxFailureRate => Statistics.Max(Seeds.Select(s => s.MaxFailureRate));

    public int IncompleteRounds => Seeds.Sum(s => s.IncompleteRounds);
}
