using HFedMoE.Model.Federated;
using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Tests.Federated;

public sealed class ExpertSelectionTests
{
    [Fact]
    public void Top_by_score_keeps_the_best_and_breaks_ties_by_lower_index()
    {
        double[] scores = [0.1, 0.5, 0.3, 0.5, 0.2];
        Assert.Equal([1, 3], ExpertSelection.TopByScore([0, 1, 2, 3, 4], scores, 2));
        Assert.Equal([1], ExpertSelection.TopByScore([4, 3, 2, 1, 0], scores, 1));
        Assert.Equal([1, 2, 3], ExpertSelection.TopByScore([0, 1, 2, 3, 4], scores, 3));
    }

    [Fact]
    public void Top_by_score_drops_non_positive_scores_when_the_budget_binds()
    {
        double[] scores = [0.4, -0.1, 0.0, 0.2];
        Assert.Equal([0, 3], ExpertSelection.TopByScore([0, 1, 2, 3], scores, 3));
    }

    [Fact]
    public void All_routed_experts_are_kept_when_they_fit()
    {
        double[] scores = [0.4, -0.1, 0.0, 0.2];
        Assert.Equal([1, 2, 3], ExpertSelection.TopByScore([3, 1, 2], scores, 3));
        Assert.Empty(ExpertSelection.TopByScore([0, 1], scores, 0));
    }

    [Fact]
    public void Random_k_draws_a_seeded_subset_of_routed()
    {
        int[] routed = [1, 4, 5, 7, 9, 11];
        var a = ExpertSelection.RandomK(routed, 3, new DeterministicRandom(42));
        var b = ExpertSelection.RandomK(routed, 3, new DeterministicRandom(42));
        Assert.Equal(a, b);
        Assert.Equal(3, a.Length);
        Assert.All(a, e => Assert.Contains(e, routed));
        Assert.Equal(a.Order(), a);
        var seen = new HashSet<int>();
        for (int s = 0; s < 200; s++)
        {
            seen.UnionWith(ExpertSelection.RandomK(routed, 2, new DeterministicRandom((ulong)s)));
        }
        Assert.Equal(routed, seen.Order());
    }

    [Fact]
    public void Frequency_and_snip_rank_by_their_statistic()
    {
        double[] counts = [3, 9, 9, 1];
        Assert.Equal([1, 2], ExpertSelection.FrequencyTopK([0, 1, 2, 3], counts, 2));
        double[] saliency = [0.0, 0.0, 0.7, 0.0];
        Assert.Equal([0, 2], ExpertSelection.SnipTopK([0, 1, 2, 3], saliency, 2));
    }

    [Fact]
    public void Bad_input_names_the_problem()
    {
        var dup = Assert.Throws<ArgumentException>(() => ExpertSelection.TopByScore([1, 1], [0.1, 0.2], 1));
        Assert.Contains("expert 1 is listed twice", dup.Message, StringComparison.Ordinal);
        var range = Assert.Throws<ArgumentException>(() => ExpertSelection.TopByScore([5], [0.1, 0.2], 1));
        Assert.Contains("outside [0, 2)", range.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => ExpertSelection.TopByScore([0], [0.1], -1));
    }
}
