using HFedMoE.Model.Federated;

namespace HFedMoE.Host.Experiment;

/// <summary>
/// A named grid: <c>full</c> is ALGORITHM.md §5 (every strategy, seeds 7/11/19, α 0.1 and 0.5,
/// 30 rounds, the simulate section's pre-training), <c>quick</c> a look in a few minutes (four
/// strategies, one seed, α 0.5, 10 rounds, 500 pre-training steps).
/// </summary>
internal sealed record ExperimentPreset(
    string Name,
    IReadOnlyList<string> Strategies,
    IReadOnlyList<int> Seeds,
    IReadOnlyList<double> Alphas,
    int Rounds,
    int? PretrainSteps)
{
    public static ExperimentPreset Full { get; } = new("full", StrategyFactory.Names, [7, 11, 19], [0.1, 0.5], 30, null);

    public static ExperimentPreset Quick { get; } = new(
        "quick", [StrategyFactory.HFedMoE, StrategyFactory.FedAvgFull, StrategyFactory.RandomK, StrategyFactory.SnipTopK], [7], [0.5], 10, 500);

    public static IReadOnlyList<string> Names { get; } = ["quick", "full"];

    /// <exception cref="ArgumentException">Not a preset name; the message names <paramref name="source"/> and the valid names.</exception>
    public static ExperimentPreset Named(string name, string source) => name switch
    {
        "quick" => Quick,
        "full" => Full,
        _ => throw new ArgumentException($"{source} must be one of {string.Join(", ", Names)}; got '{name}'"),
    };
}
