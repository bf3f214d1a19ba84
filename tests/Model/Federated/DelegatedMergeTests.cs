using HFedMoE.Model.Federated;
using HFedMoE.Model.Nn;

namespace HFedMoE.Model.Tests.Federated;

/// <summary>
/// The metrics-only merge a runtime uses when it sums the tensors elsewhere: the weights it hands
/// back, merged outside, give each strategy's own model and metrics; and it holds no model-sized sums.
/// </summary>
public sealed class DelegatedMergeTests
{
    private static readonly BudgetTier[] Tiers = [new("small", 1, ActiveExpertsPerToken: 1), new("big", 4)];

    private static readonly StrategyOptions Options = new() { Tiers = Tiers, Tau = 0.1 };

    public static TheoryData<string> Strategies => [.. StrategyFactory.Names];

    [Theory]
    [MemberData(nameof(Strategies))]
    public void Merging_the_returned_weights_elsewhere_gives_the_strategy_s_own_bits_and_metrics(string name)
    {
        var model = FederatedFixture.Model(0.25f, layers: 2, experts: 2);
        var rng = new Random(5);
        var profiles = Enumerable.Range(0, 6).Select(i => new ClientProfile($"c{i}", 20 + i * 7, Tier: i % 2 == 0 ? "small" : "big")).ToArray();
        var replies = profiles.Select((p, i) =>
        {
            var usage = Enumerable.Range(0, 4).Select(_ => rng.NextDouble() * 0.5).ToArray();
            var values = Enumerable.Range(0, 32).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
            int[] trained = [.. Enumerable.Range(0, 4).Where(_ => rng.Next(2) == 0)];
            var u = FederatedFixture.Update(model, p.ClientId, p.SampleCount, 0f, trained, usage, [.. usage.Select(x => x * 1.5)],
                valueAt: (n, k) => values[(k + n.Length) % 32]);
            // c1 ran over its budget on most steps: FedAvg-Naive loses its update.
            return i == 1 ? u with { FailedSteps = 8 } : u;
        }).ToList();
        IReadOnlyList<ClientFailure> failures = [new ClientFailure("c5", "timeout")];
        var offered = replies.Take(5).ToList();

        var pure = StrategyFactory.Create(name, Options);
        pure.ConfigureTrain(0, model, profiles);
        var expected = pure.AggregateTrain(0, offered, failures);

        var strategy = (ExpertBudgetStrategy)StrategyFactory.Create(name, Options);
        strategy.ConfigureTrain(0, model, profiles);
        var delegated = strategy.BeginDelegatedMerge(0);
        var elsewhere = new StreamingAggregator(model, delegated.Bounds, delegated.RouterMerge);
        var dominant = new bool[model.Layout.ExpertCount];
        foreach (var u in offered)
        {
            if (delegated.Offer(u, out var weights) is null && weights is not null)
            {
                elsewhere.Add(u, weights);
                for (int e = 0; e < dominant.Length; e++)
                {
                    dominant[e] |= u.Usage[e] >= Options.Tau;
                }
            }
        }
        var outcome = elsewhere.Finalise(routerDivisor: Math.Max(1, dominant.Count(d => d)));
        var actual = delegated.Complete(failures, outcome.Model, outcome.ExpertsMerged);

        Assert.Equal(expected.Model.Values.ToArray().Select(BitConverter.SingleToInt32Bits), actual.Model.Values.ToArray().Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(expected.Model.Version, actual.Model.Version);
        Assert.Equal(expected.Metrics.Keys.Order(StringComparer.Ordinal), actual.Metrics.Keys.Order(StringComparer.Ordinal));
        foreach (var (metric, value) in expected.Metrics)
        {
            Assert.True(value.Equals(actual.Metrics[metric]), $"{name} metric {metric}: expected {value:R}, got {actual.Metrics[metric]:R}");
        }
        Assert.Equal(expected.Rejections, actual.Rejections);
    }

    [Fact]
    public void A_lost_FedAvg_Naive_update_is_counted_but_gets_no_weights()
    {
        var model = FederatedFixture.Model(0f, layers: 2, experts: 2);
        var strategy = (ExpertBudgetStrategy)StrategyFactory.Create(StrategyFactory.FedAvgNaive, Options);
        strategy.ConfigureTrain(0, model, [new ClientProfile("a", 100, Tier: "small"), new ClientProfile("b", 100, Tier: "big")]);
        var delegated = strategy.BeginDelegatedMerge(0);

        Assert.Null(delegated.Offer(FederatedFixture.Update(model, "a", 100, 1f, [0]) with { FailedSteps = 9 }, out var lost));
        Assert.Null(lost);
        Assert.Null(delegated.Offer(FederatedFixture.Update(model, "b", 100, 1f, [0, 1]), out var kept));
        Assert.Equal([100.0, 100, 100, 100], kept!.Experts);
        var result = delegated.Complete([], GlobalModel.Adopt(model.Layout, model.Values.ToArray(), model.Version + 1), expertsMerged: 4);
        Assert.Equal((1, 1), (result.Metrics[RoundMetric.Accepted], result.Metrics[RoundMetric.Failed]));
    }

    [Fact]
    public void Bad_input_is_refused_with_the_expected_value()
    {
        var model = FederatedFixture.Model(0f);
        var strategy = (ExpertBudgetStrategy)StrategyFactory.Create(StrategyFactory.HFedMoE, Options);
        Assert.Contains("round 0 was not configured", Assert.Throws<InvalidOperationException>(() => strategy.BeginDelegatedMerge(0)).Message, StringComparison.Ordinal);
        strategy.ConfigureTrain(0, model, [new ClientProfile("a", 100, Tier: "big")]);
        var delegated = strategy.BeginDelegatedMerge(0);

        var sameVersion = Assert.Throws<ArgumentException>(() => delegated.Complete([], model, 0));
        Assert.Contains("expected version 1", sameVersion.Message, StringComparison.Ordinal);
        var next = GlobalModel.Adopt(model.Layout, model.Values.ToArray(), 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => delegated.Complete([], next, 3));
        Assert.Equal(0, delegated.Complete([], next, 0).Metrics[RoundMetric.Accepted]);
        Assert.Contains("already complete", Assert.Throws<InvalidOperationException>(() => delegated.Complete([], next, 0)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Holds_no_model_sized_sums_where_the_full_merge_does()
    {
        // 1M parameters: 4 MB of floats; a full merge keeps 8 MB of double sums and writes a 4 MB model.
        var store = new ParameterStore([
            ("embed.w", [512, 1024]),
            ("layers.0.moe.router", [1024, 2]),
            ("layers.0.moe.experts.0.w1", [256, 1024]),
            ("layers.0.moe.experts.1.w1", [255, 1024]),
        ]);
        var model = GlobalModel.FromStore(store);
        long modelBytes = model.Layout.TotalLength * sizeof(float);
        ClientProfile[] clients = [new("a", 100, Tier: "big"), new("b", 300, Tier: "big")];
        var updates = clients.Select(c => FederatedFixture.Update(model, c.ClientId, c.SampleCount, 0.5f, [0, 1], usage: [0.5, 0.5])).ToList();
        var merged = GlobalModel.Adopt(model.Layout, model.Values.ToArray(), 1);

        long Allocated(Action run)
        {
            run(); // warm up: JIT and first-use allocations are not the merge's
            long before = GC.GetAllocatedBytesForCurrentThread();
            run();
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        long delegatedBytes = Allocated(() =>
        {
            var s = (ExpertBudgetStrategy)StrategyFactory.Create(StrategyFactory.HFedMoE, Options);
            s.ConfigureTrain(0, model, clients);
            var d = s.BeginDelegatedMerge(0);
            foreach (var u in updates)
            {
                Assert.Null(d.Offer(u, out _));
            }
            d.Complete([], merged, 2);
        });
        long fullBytes = Allocated(() =>
        {
            var s = StrategyFactory.Create(StrategyFactory.HFedMoE, Options);
            s.ConfigureTrain(0, model, clients);
            s.AggregateTrain(0, updates, []);
        });

        Assert.True(fullBytes > 2 * modelBytes, $"the full merge allocated {fullBytes} bytes; expected its sums to exceed {2 * modelBytes}");
        Assert.True(delegatedBytes < modelBytes / 20, $"the delegated merge allocated {delegatedBytes} bytes; expected well under the model's {modelBytes}");
    }
}
