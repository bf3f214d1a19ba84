using HFedMoE.Model.Federated;

namespace HFedMoE.Model.Tests.Federated;

public sealed class SparseAggregationTests
{
    [Theory]
    [InlineData(0.05, true, true, 100.0)]
    [InlineData(0.01, true, true, 0.0)]   // below τ
    [InlineData(0.05, false, true, 0.0)]  // used but frozen by the budget mask
    [InlineData(0.05, false, false, 100.0)] // trained condition switched off
    [InlineData(0.0375, true, true, 100.0)] // u = τ counts
    public void Expert_weight_is_samples_times_usage_and_trained_condition(double usage, bool trained, bool requireTrained, double expected) =>
        Assert.Equal(expected, SparseAggregation.ExpertWeight(100, usage, trained, tau: 0.0375, requireTrained));

    [Fact]
    public void Gating_weights_match_hand_computation()
    {
        // τ = 0.1. Client 1: S = {0, 2}, a = 0.5·0.4 + 0.45·0.2 = 0.29.
        // Client 2: S = {1, 2}, a = 0.6·0.5 + 0.4·0.25 = 0.4.  |S_global| = 3.
        var clients = new (IReadOnlyList<double>, IReadOnlyList<double>)[]
        {
            ([0.5, 0.05, 0.45], [0.4, 0.1, 0.2]),
            ([0.0, 0.6, 0.4], [0.0, 0.5, 0.25]),
        };
        var alpha = SparseAggregation.GatingWeights(clients, 0.1, normalised: false);
        Assert.Equal(0.29 / 3, alpha[0], 12);
        Assert.Equal(0.4 / 3, alpha[1], 12);
        var tilde = SparseAggregation.GatingWeights(clients, 0.1, normalised: true);
        Assert.Equal(0.29 / 0.69, tilde[0], 12);
        Assert.Equal(0.4 / 0.69, tilde[1], 12);
        Assert.Equal(3, SparseAggregation.GlobalDominantCount(clients.Select(c => c.Item1), 0.1));
    }

    [Fact]
    public void Gating_weights_are_zero_when_no_expert_passes_tau()
    {
        var clients = new (IReadOnlyList<double>, IReadOnlyList<double>)[] { ([0.01, 0.02], [0.5, 0.5]) };
        Assert.Equal([0.0], SparseAggregation.GatingWeights(clients, 0.1, normalised: true));
    }

    [Fact]
    public void Flame_weight_is_frequency_to_the_t_times_samples()
    {
        Assert.Equal(6.25, SparseAggregation.FlameWeight(100, 0.25, 2));
        Assert.Equal(100, SparseAggregation.FlameWeight(100, 0.25, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SparseAggregation.FlameWeight(100, 1.5, 1));
    }

    [Fact]
    public void Weighted_mean_keeps_the_previous_value_without_weight()
    {
        Assert.Equal(2.5, SparseAggregation.WeightedMean([(1, 1.0), (3, 3.0)], previous: 9));
        Assert.Equal(9, SparseAggregation.WeightedMean([(0, 1.0)], previous: 9));
    }
}
