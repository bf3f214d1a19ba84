using HFedMoE.Model.Federated;

namespace HFedMoE.Model.Tests.Federated;

/// <summary>The accuracy, compute and expert-usage metrics of a round, against hand-computed values.</summary>
public sealed class RoundMetricsTests
{
    private static readonly StrategyOptions Options = new() { Tiers = [new("small", 2), new("big", 4)], Tau = 0.1 };

    // Two MoE layers × 2 experts: expert ids 0..3.
    private static GlobalModel Model() => FederatedFixture.Model(0f, layers: 2, experts: 2);

    // a: tier small (cap 2); b: tier big (cap 4); c: no tier, cap 3 → tier "cap3".
    private static readonly ClientProfile[] Clients = [new("a", 100, Tier: "small"), new("b", 300, Tier: "big"), new("c", 200, ComputeCap: 3)];

    private static SparseUpdate Update(GlobalModel model, string client, int samples, int[] trained, double start, double local, long flops, long passes) =>
        FederatedFixture.Update(model, client, samples, 0.1f, trained) with
        {
            StartAccuracy = start,
            LocalAccuracy = local,
            Flops = flops,
            ExpertBackwardPasses = passes,
        };

    private static SparseUpdate[] ThreeUpdates(GlobalModel model) =>
    [
        Update(model, "a", 100, [0, 1], start: 0.5, local: 0.75, flops: 1000, passes: 8),
        Update(model, "b", 300, [1, 2, 3], start: 0.25, local: double.NaN, flops: 5000, passes: 20),
        Update(model, "c", 200, [1], start: double.NaN, local: 0.5, flops: 700, passes: 9),
    ];

    private static IReadOnlyDictionary<string, double> Run(string strategy, StrategyOptions options, Func<GlobalModel, IEnumerable<SparseUpdate>> updates)
    {
        var model = Model();
        var s = StrategyFactory.Create(strategy, options);
        s.ConfigureTrain(0, model, Clients);
        var aggregation = s.BeginAggregateTrain(0);
        foreach (var u in updates(model))
        {
            Assert.Null(aggregation.Offer(u));
        }
        return aggregation.Complete([]).Metrics;
    }

    [Fact]
    public void Three_clients_give_the_hand_computed_metrics()
    {
        var m = Run("hfedmoe", Options, ThreeUpdates);

        // Sample-weighted over the updates that have the value: (0.75·100 + 0.5·200) / 300 and (0.5·100 + 0.25·300) / 400.
        Assert.Equal(175.0 / 300, m[RoundMetric.LocalAccuracy], 1e-15);
        Assert.Equal(0.3125, m[RoundMetric.LocalStartAccuracy], 1e-15);
        Assert.Equal(6700, m[RoundMetric.Flops]);
        // Passes / cap: a 8/2 = 4, b 20/4 = 5, c 9/3 = 3.
        Assert.Equal(5, m[RoundMetric.SlowestClientTime]);
        Assert.Equal((8, 1), (m[RoundMetric.TierBackwardPasses("small")], m[RoundMetric.TierClients("small")]));
        Assert.Equal((20, 1), (m[RoundMetric.TierBackwardPasses("big")], m[RoundMetric.TierClients("big")]));
        Assert.Equal((9, 1), (m[RoundMetric.TierBackwardPasses("cap3")], m[RoundMetric.TierClients("cap3")]));
        Assert.Equal([1.0, 3, 1, 1], Enumerable.Range(0, 4).Select(e => m[RoundMetric.ExpertTrainers(e)]));
        // Counts 1, 3, 1, 1 of 6: H = 3·(1/6)·ln 6 + (1/2)·ln 2 = ln 12 / 2; over ln 4 = ln 12 / ln 16.
        Assert.Equal(Math.Log(12) / Math.Log(16), m[RoundMetric.ExpertUsageBalance], 1e-14);
    }

    [Fact]
    public void Metrics_do_not_depend_on_arrival_order()
    {
        var forward = Run("hfedmoe", Options, ThreeUpdates);
        var backward = Run("hfedmoe", Options, model => ThreeUpdates(model).Reverse());

        Assert.Equal(forward.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, BitConverter.DoubleToInt64Bits(kv.Value))),
            backward.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, BitConverter.DoubleToInt64Bits(kv.Value))));
    }

    [Fact]
    public void A_lost_naive_update_counts_its_compute_but_not_its_accuracy_or_experts()
    {
        var m = Run("fedavg-naive", Options, model =>
        [
            Update(model, "a", 100, [0], start: 0.5, local: 0.5, flops: 1000, passes: 2) with { FailedSteps = 6 },
            Update(model, "b", 300, [1, 2], start: 1, local: 1, flops: 4000, passes: 12),
        ]);

        Assert.Equal((1, 1), (m[RoundMetric.Accepted], m[RoundMetric.Failed]));
        Assert.Equal(1, m[RoundMetric.LocalAccuracy]);
        Assert.Equal(1, m[RoundMetric.LocalStartAccuracy]);
        Assert.Equal(5000, m[RoundMetric.Flops]);
        Assert.Equal(3, m[RoundMetric.SlowestClientTime]);   // b: 12 / 4 beats a: 2 / 2
        Assert.Equal((2, 1), (m[RoundMetric.TierBackwardPasses("small")], m[RoundMetric.TierClients("small")]));
        // c was planned but never replied: its tier is listed, with nothing counted.
        Assert.Equal((0, 0), (m[RoundMetric.TierBackwardPasses("cap3")], m[RoundMetric.TierClients("cap3")]));
        Assert.Equal([0.0, 1, 1, 0], Enumerable.Range(0, 4).Select(e => m[RoundMetric.ExpertTrainers(e)]));
        Assert.Equal(Math.Log(2) / Math.Log(4), m[RoundMetric.ExpertUsageBalance], 1e-15);
    }

    [Fact]
    public void A_round_without_replies_has_no_accuracy_and_zero_compute()
    {
        var m = Run("hfedmoe", Options, _ => []);

        Assert.True(double.IsNaN(m[RoundMetric.LocalAccuracy]));
        Assert.True(double.IsNaN(m[RoundMetric.LocalStartAccuracy]));
        Assert.Equal(0, m[RoundMetric.Flops]);
        Assert.Equal(0, m[RoundMetric.SlowestClientTime]);
        Assert.Equal(0, m[RoundMetric.ExpertUsageBalance]);
        Assert.All(Enumerable.Range(0, 4), e => Assert.Equal(0, m[RoundMetric.ExpertTrainers(e)]));
        foreach (var tier in Clients.Select(ClientRoundStatistics.TierName))
        {
            Assert.Equal((0, 0), (m[RoundMetric.TierBackwardPasses(tier)], m[RoundMetric.TierClients(tier)]));
        }
    }

    [Fact]
    public void Every_expert_trained_equally_often_is_a_balance_of_one()
    {
        var m = Run("hfedmoe", Options with { Tiers = [new("small", 4), new("big", 4)] }, model =>
        [
            Update(model, "a", 100, [0, 1, 2, 3], 0.5, 0.5, 10, 4),
            Update(model, "b", 300, [0, 1, 2, 3], 0.5, 0.5, 10, 4),
        ]);

        Assert.Equal(1, m[RoundMetric.ExpertUsageBalance], 1e-15);
    }

    [Fact]
    public void Simulated_time_uses_the_cost_model_when_steps_have_a_dense_cost()
    {
        // Cost model: 2 per trained step + 1 per expert backward pass; caps are in the same units.
        var options = Options with { CostModel = new BudgetCostModel(2, 1), Tiers = [new("small", 30), new("big", 60)] };

        var m = Run("hfedmoe", options, model =>
        [
            Update(model, "a", 100, [0], 0.5, 0.5, 10, passes: 40),
            Update(model, "b", 300, [1], 0.5, 0.5, 10, passes: 20),
        ]);

        // a: (2·10 + 40) / 30 = 2; b: (2·10 + 20) / 60 = 2/3.
        Assert.Equal(2, m[RoundMetric.SlowestClientTime], 1e-15);
    }

    [Theory]
    [InlineData(1.5, 0.5, 0L, "start accuracy 1.5 is outside [0, 1]")]
    [InlineData(0.5, -0.25, 0L, "local accuracy -0.25 is outside [0, 1]")]
    [InlineData(0.5, double.PositiveInfinity, 0L, "local accuracy")]
    [InlineData(0.5, 0.5, -1L, "FLOPs -1 must be ≥ 0")]
    public void Impossible_measurements_are_rejected_and_leave_the_metrics_alone(double start, double local, long flops, string reason)
    {
        var model = Model();
        var s = StrategyFactory.Create("hfedmoe", Options);
        s.ConfigureTrain(0, model, Clients);
        var aggregation = s.BeginAggregateTrain(0);

        var rejection = aggregation.Offer(Update(model, "a", 100, [0], start, local, flops, 2));
        var m = aggregation.Complete([]).Metrics;

        Assert.NotNull(rejection);
        Assert.Contains(reason, rejection.Reason, StringComparison.Ordinal);
        Assert.Equal((0, 1), (m[RoundMetric.Accepted], m[RoundMetric.Rejected]));
        Assert.Equal(0, m[RoundMetric.Flops]);
        Assert.Equal(0, m[RoundMetric.TierClients("small")]);
    }
}
