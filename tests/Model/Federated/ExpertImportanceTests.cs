using HFedMoE.Model.Federated;

namespace HFedMoE.Model.Tests.Federated;

public sealed class ExpertImportanceTests
{
    // Two samples, three experts. Expert 1 is spread evenly, expert 2 fires for one sample only.
    private static readonly float[] Gates = [0.75f, 0.25f, 0.0f, 0.25f, 0.25f, 0.5f];

    [Fact]
    public void Cumulative_specific_and_combined_match_hand_computation()
    {
        var s = ExpertImportance.Compute(Gates, batch: 2, experts: 3, lambda: 0.5);
        Assert.Equal([0.5, 0.25, 0.25], s.Cumulative);
        Assert.Equal([0.75, 0.25, 0.5], s.Specific);
        Assert.Equal([0.625, 0.25, 0.375], s.Combined);
    }

    [Fact]
    public void Lambda_one_is_cumulative_and_lambda_zero_is_specific()
    {
        Assert.Equal([0.5, 0.25, 0.25], ExpertImportance.Compute(Gates, 2, 3, 1.0).Combined);
        Assert.Equal([0.75, 0.25, 0.5], ExpertImportance.Compute(Gates, 2, 3, 0.0).Combined);
    }

    [Fact]
    public void Round_importance_is_the_mean_over_batches()
    {
        var mean = ExpertImportance.MeanOverBatches([[0.2, 0.4], [0.6, 0.0]]);
        Assert.Equal(0.4, mean[0], 12);
        Assert.Equal(0.2, mean[1], 12);
    }

    [Fact]
    public void Bad_input_names_the_problem()
    {
        var shape = Assert.Throws<ArgumentException>(() => ExpertImportance.Compute(Gates, 3, 3, 0.5));
        Assert.Contains("3×3 = 9", shape.Message, StringComparison.Ordinal);
        var prob = Assert.Throws<ArgumentException>(() => ExpertImportance.Compute([0.5f, 1.5f], 1, 2, 0.5));
        Assert.Contains("G[0,1] = 1.5", prob.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => ExpertImportance.Compute(Gates, 2, 3, 1.5));
        Assert.Throws<ArgumentException>(() => ExpertImportance.MeanOverBatches([[0.1], [0.1, 0.2]]));
    }
}
