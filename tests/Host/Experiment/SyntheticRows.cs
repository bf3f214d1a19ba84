using HFedMoE.Host.Experiment;

namespace HFedMoE.Host.Tests.Experiment;

/// <summary>Hand-made experiment rows: one cell's rounds from a list of accuracies.</summary>
internal static class SyntheticRows
{
    public static IEnumerable<ExperimentRow> Cell(string strategy, int seed, double[] accuracies, double alpha = 0.5, double slowest = 1, double passes = 10, double failureRate = 0)
    {
        for (int r = 0; r < accuracies.Length; r++)
        {
            yield return new ExperimentRow(
                alpha, "4-8-16-32", strategy, seed, r, "committed", accuracies[r], accuracies[r] / 2, accuracies[r] + 0.1, accuracies[r],
                0.01 * r, 0.1, passes, passes * 1000, slowest * (r + 1), failureRate, 8, 0.9, 0.8, 1.5,
                new Dictionary<string, double> { ["b4"] = passes / 4, ["b32"] = passes * 3 / 4 },
                new Dictionary<string, double> { ["b4"] = 1, ["b32"] = 1 },
                [1, 2, double.NaN, 0]);
        }
    }
}
