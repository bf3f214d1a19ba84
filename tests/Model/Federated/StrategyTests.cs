using HFedMoE.Model.Federated;

namespace HFedMoE.Model.Tests.Federated;

public sealed class StrategyTests
{
    private static readonly BudgetTier[] Tiers = [new("small", 1, ActiveExpertsPerToken: 1), new("big", 4)];

    private static readonly StrategyOptions Options = new() { Tiers = Tiers, Tau = 0.1 };

    // Two MoE layers × 2 experts: expert ids 0..3.
    private static GlobalModel Model(float fill = 0f) => FederatedFixture.Model(fill, layers: 2, experts: 2);

    private static readonly ClientProfile[] Clients = [new("a", 100, Tier: "small"), new("b", 300, Tier: "big")];

    [Fact]
    public void Factory_creates_every_named_strategy_and_lists_names_on_error()
    {
        foreach (var name in StrategyFactory.Names)
        {
            Assert.Equal(name, StrategyFactory.Create(name, Options).Name);
        }
        var ex = Assert.Throws<ArgumentException>(() => StrategyFactory.Create("fedprox"));
        Assert.Contains("unknown strategy 'fedprox'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("hfedmoe-no-trained-condition", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ablations_change_exactly_their_option()
    {
        Assert.Equal(0, StrategyFactory.Create("hfedmoe-beta0").Options.Beta);
        Assert.Equal(1, StrategyFactory.Create("hfedmoe-lambda1").Options.Lambda);
        Assert.Equal(RankBy.Importance, StrategyFactory.Create("hfedmoe-rank-importance").Options.RankBy);
        Assert.False(StrategyFactory.Create("hfedmoe-fedavg-agg").Options.SparsityAwareAggregation);
        Assert.Equal(RouterMerge.Unnormalised, StrategyFactory.Create("hfedmoe-unnormalised").Options.Gating);
        Assert.False(StrategyFactory.Create("hfedmoe-no-trained-condition").Options.RequireTrained);
        Assert.Equal(new StrategyOptions() with { Beta = 0 }, StrategyFactory.Create("hfedmoe-beta0").Options);
    }

    [Fact]
    public void Plans_carry_each_strategys_budget_selector_and_settings()
    {
        var model = Model();
        TrainPlan PlanOf(string strategy, string client) =>
            StrategyFactory.Create(strategy, Options).ConfigureTrain(2, model, Clients).Single(p => p.ClientId == client);

        var h = PlanOf("hfedmoe", "a");
        Assert.Equal((1, ExpertSelector.InformationBottleneck, 0.5, 0.1, 2, 0), (h.ExpertBudget, h.Selector, h.Lambda, h.Beta, h.Round, h.ModelVersion));
        Assert.Equal(4, PlanOf("hfedmoe", "b").ExpertBudget);
        Assert.Equal(ExpertSelector.Importance, PlanOf("hfedmoe-rank-importance", "a").Selector);
        Assert.Equal((4, ExpertSelector.AllRouted), (PlanOf("fedavg-full", "a").ExpertBudget, PlanOf("fedavg-full", "a").Selector));
        var naive = PlanOf("fedavg-naive", "a");
        Assert.Equal((1, true, 0.5), (naive.ExpertBudget, naive.FailWhenOverBudget, naive.FailureThreshold));
        Assert.Equal(ExpertSelector.RandomK, PlanOf("random-k", "a").Selector);
        Assert.Equal(ExpertSelector.FrequencyTopK, PlanOf("frequency-topk", "a").Selector);
        Assert.Equal(ExpertSelector.SnipTopK, PlanOf("snip-topk", "a").Selector);
        Assert.Equal(1, PlanOf("flame", "a").ActiveExpertsPerToken);      // from the tier
        Assert.Equal(2, PlanOf("flame", "b").ActiveExpertsPerToken);      // ⌈2·4/4⌉
        Assert.Equal(0.25, PlanOf("heterofl", "a").ExpertWidthFraction); // 1 of 4 experts' cost
        Assert.Equal(1.0, PlanOf("heterofl", "b").ExpertWidthFraction);
        Assert.NotEqual(h.Seed, PlanOf("hfedmoe", "b").Seed);
        Assert.Equal(h.Seed, PlanOf("hfedmoe", "a").Seed);
    }

    [Fact]
    public void Unknown_tiers_and_bad_profiles_are_clear_errors()
    {
        var s = StrategyFactory.Create("hfedmoe", Options);
        var ex = Assert.Throws<ArgumentException>(() => s.ConfigureTrain(0, Model(), [new ClientProfile("x", 10, Tier: "huge")]));
        Assert.Contains("unknown budget tier 'huge'; configured tiers: small, big", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => s.ConfigureTrain(0, Model(), [new ClientProfile("x", 10)]));
        Assert.Throws<ArgumentException>(() => s.ConfigureTrain(0, Model(), [new ClientProfile("x", 10, 2), new ClientProfile("x", 10, 2)]));
        var cap = Assert.Throws<ArgumentOutOfRangeException>(() =>
            StrategyFactory.Create("hfedmoe", Options with { CostModel = new BudgetCostModel(5, 1) }).ConfigureTrain(0, Model(), [new ClientProfile("x", 10, 3)]));
        Assert.Contains("below the dense cost", cap.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => StrategyFactory.Create("hfedmoe", new StrategyOptions { Lambda = 2 }));
        Assert.Throws<InvalidOperationException>(() => s.AggregateTrain(0, [], []));
    }

    // Usage per expert id: client a uses experts 0 and 2 (layer 0/1 expert 0), b uses 1 and 3.
    private static readonly double[] UsageA = [0.9, 0.05, 0.9, 0.05];
    private static readonly double[] UsageB = [0.05, 0.9, 0.2, 0.8];

    private static TrainAggregate Round(string strategy, float a, float b, int[] trainedA, int[] trainedB,
        StrategyOptions? options = null, Func<SparseUpdate, SparseUpdate>? editB = null)
    {
        var model = Model(fill: 10f);
        var s = StrategyFactory.Create(strategy, options ?? Options);
        s.ConfigureTrain(0, model, Clients);
        var ua = FederatedFixture.Update(model, "a", 100, a, trainedA, UsageA, [0.5, 0.1, 0.5, 0.1]);
        var ub = FederatedFixture.Update(model, "b", 300, b, trainedB, UsageB, [0.1, 0.5, 0.3, 0.5]);
        return s.AggregateTrain(0, [ua, editB?.Invoke(ub) ?? ub], []);
    }

    private static float Expert(TrainAggregate r, int layer, int expert) =>
        FederatedFixture.At(r.Model, $"layers.{layer}.moe.experts.{expert}.w1");

    [Fact]
    public void HFedMoE_merges_each_expert_over_clients_that_used_and_trained_it()
    {
        var r = Round("hfedmoe", 1f, 5f, trainedA: [0, 1], trainedB: [1, 2]);
        Assert.Equal(1f, Expert(r, 0, 0));   // e0: a used+trained; b below τ
        Assert.Equal(5f, Expert(r, 0, 1));   // e1: a trained it but u = 0.05 < τ
        Assert.Equal(5f, Expert(r, 1, 0));   // e2: both use it, only b trained it
        Assert.Equal(10f, Expert(r, 1, 1));  // e3: b uses it but nobody trained it → kept
        Assert.Equal(4f, FederatedFixture.At(r.Model, "embed.w")); // FedAvg 100:300
        Assert.Equal(3, r.Metrics[RoundMetric.ExpertsMerged]);
        Assert.Equal(1, r.Metrics[RoundMetric.ExpertsKept]);
        Assert.Equal(4, r.Metrics[RoundMetric.ExpertsAboveTau]);
    }

    [Fact]
    public void HFedMoE_router_uses_importance_weighted_client_weights()
    {
        var r = Round("hfedmoe", 1f, 5f, [0], [1]);
        double aA = 0.9 * 0.5 + 0.9 * 0.5;               // S_a = {0, 2}
        double aB = 0.9 * 0.5 + 0.2 * 0.3 + 0.8 * 0.5;   // S_b = {1, 2, 3}
        double expected = (aA * 1 + aB * 5) / (aA + aB);
        Assert.Equal(expected, FederatedFixture.At(r.Model, "layers.0.moe.router"), 5);

        var un = Round("hfedmoe-unnormalised", 1f, 5f, [0], [1]);
        Assert.Equal((aA * 1 + aB * 5) / 4, FederatedFixture.At(un.Model, "layers.0.moe.router"), 5); // |S_global| = 4

        var col = Round("hfedmoe", 1f, 5f, [0], [1], Options with { Gating = RouterMerge.PerExpertColumn });
        var router = col.Model.ValuesOf("layers.0.moe.router").ToArray();
        Assert.Equal(1f, router[0]); // column of expert 0: only a holds it (u ≥ τ)
        Assert.Equal(5f, router[1]); // column of expert 1: only b
    }

    [Fact]
    public void Ablations_without_trained_condition_and_with_fedavg_count_frozen_copies()
    {
        var noCond = Round("hfedmoe-no-trained-condition", 1f, 5f, [0], [1]);
        Assert.Equal((100 * 10f + 300 * 10f) / 400, Expert(noCond, 1, 0)); // e2: both used it, neither trained: previous values
        Assert.Equal((100 * 1f + 0) / 100, Expert(noCond, 0, 0));

        var fedavg = Round("hfedmoe-fedavg-agg", 1f, 5f, [0], [1]);
        Assert.Equal((100 * 1f + 300 * 10f) / 400, Expert(fedavg, 0, 0)); // b's frozen copy dilutes a's update
        Assert.Equal((100 * 10f + 300 * 5f) / 400, Expert(fedavg, 0, 1));
        Assert.Equal(4f, FederatedFixture.At(fedavg.Model, "layers.0.moe.router")); // FedAvg router
    }

    [Fact]
    public void Baselines_merge_over_holders_or_full_models()
    {
        var full = Round("fedavg-full", 1f, 5f, [0, 1, 2, 3], [0, 1, 2, 3]);
        Assert.Equal(4f, Expert(full, 0, 0));

        foreach (var name in new[] { "random-k", "snip-topk", "frequency-topk", "heterofl" })
        {
            var r = Round(name, 1f, 5f, [0, 1], [1]);
            Assert.Equal(1f, Expert(r, 0, 0));            // only a holds e0: a's copy, regardless of usage
            Assert.Equal(4f, Expert(r, 0, 1));            // 100:300 over both holders
            Assert.Equal(10f, Expert(r, 1, 1));           // nobody → kept
        }
        var freq = Round("frequency-topk", 1f, 5f, [0], [1]);
        var router = freq.Model.ValuesOf("layers.0.moe.router").ToArray();
        Assert.Equal((1f, 5f), (router[0], router[1])); // router columns over holders

        var flame = Round("flame", 1f, 5f, [0], [0], editB: u => u with { ActivationFrequency = [0.25, 0.5, 0.5, 0.5] });
        // FLAME t = 1: a = 0.5·100 = 50, b = 0.25·300 = 75.
        Assert.Equal((50 * 1f + 75 * 5f) / 125, Expert(flame, 0, 0), 5);
    }

    [Fact]
    public void Plus_damps_each_expert_by_the_clients_that_did_not_train_it()
    {
        var plus = Options with { Plus = new PlusOptions(PlusSelection.Snip, 0.5, PlusRouter.FedAvg) };
        var r = Round("hfedmoe-plus", 1f, 5f, trainedA: [0, 1], trainedB: [1], plus);
        // e0: only a trained it; b's copy (the previous 10) counts with 0.5·300.
        Assert.Equal((100 * 1f + 150 * 10f) / 250, Expert(r, 0, 0), 5);
        Assert.Equal((100 * 1f + 300 * 5f) / 400, Expert(r, 0, 1), 5); // both trained: FedAvg over holders
        Assert.Equal(10f, Expert(r, 1, 1));                            // nobody trained it: unchanged
        Assert.Equal(4f, FederatedFixture.At(r.Model, "layers.0.moe.router")); // FedAvg router

        // ρ = 0 is holders-only (snip-topk's merge), ρ = 1 is FedAvg over every client.
        var holders = Round("hfedmoe-plus", 1f, 5f, [0, 1], [1], Options with { Plus = new PlusOptions(UntrainedWeight: 0, Router: PlusRouter.FedAvg) });
        var snip = Round("snip-topk", 1f, 5f, [0, 1], [1]);
        Assert.Equal(snip.Model.Values.ToArray(), holders.Model.Values.ToArray());
        var fedavg = Round("hfedmoe-plus", 1f, 5f, [0], [1], Options with { Plus = new PlusOptions(UntrainedWeight: 1, Router: PlusRouter.FedAvg) });
        var agg = Round("hfedmoe-fedavg-agg", 1f, 5f, [0], [1]);
        Assert.Equal(agg.Model.Values.ToArray(), fedavg.Model.Values.ToArray());
    }

    [Fact]
    public void Plus_router_merges_by_fedavg_preference_or_holders()
    {
        var pref = Round("hfedmoe-plus", 1f, 5f, [0], [1], Options with { Plus = new PlusOptions(Router: PlusRouter.Preference) });
        var hfedmoe = Round("hfedmoe", 1f, 5f, [0], [1]);
        Assert.Equal(FederatedFixture.At(hfedmoe.Model, "layers.0.moe.router"), FederatedFixture.At(pref.Model, "layers.0.moe.router"));

        var col = Round("hfedmoe-plus", 1f, 5f, [0, 2], [1], Options with { Plus = new PlusOptions(Router: PlusRouter.Holders) });
        var router = col.Model.ValuesOf("layers.0.moe.router").ToArray();
        Assert.Equal((1f, 5f), (router[0], router[1])); // each column over the clients that trained that expert
        Assert.Equal(1f, col.Model.ValuesOf("layers.1.moe.router").ToArray()[0]); // e2: a trained it (b used it but did not)
    }

    [Fact]
    public void Plus_selection_and_bad_options()
    {
        var model = Model();
        ExpertSelector SelectorOf(PlusSelection selection) => StrategyFactory.Create("hfedmoe-plus", Options with { Plus = new PlusOptions(selection) })
            .ConfigureTrain(0, model, Clients).Single(p => p.ClientId == "a").Selector;
        Assert.Equal(ExpertSelector.SnipTopK, SelectorOf(PlusSelection.Snip));
        Assert.Equal(ExpertSelector.InformationBottleneck, SelectorOf(PlusSelection.InformationBottleneck));
        Assert.Equal(ExpertSelector.Importance, SelectorOf(PlusSelection.Importance));
        Assert.Equal(1, StrategyFactory.Create("hfedmoe-plus", Options).ConfigureTrain(0, model, Clients).Single(p => p.ClientId == "a").ExpertBudget);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => StrategyFactory.Create("hfedmoe-plus", Options with { Plus = new PlusOptions(UntrainedWeight: 1.5) }));
        Assert.Contains("untrained weight", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Naive_clients_over_the_failed_step_threshold_lose_their_update()
    {
        var r = Round("fedavg-naive", 1f, 5f, [0, 1, 2, 3], [0, 1, 2, 3], editB: u => u with { FailedSteps = 6, LocalSteps = 10 });
        Assert.Equal(1f, Expert(r, 0, 0));
        Assert.Equal(1f, FederatedFixture.At(r.Model, "embed.w"));
        Assert.Equal(1, r.Metrics[RoundMetric.Failed]);
        Assert.Equal(0.5, r.Metrics[RoundMetric.FailureRate]);
        Assert.Equal(0.3, r.Metrics[RoundMetric.FailedStepRate], 12);

        var ok = Round("fedavg-naive", 1f, 5f, [0, 1, 2, 3], [0, 1, 2, 3], editB: u => u with { FailedSteps = 5, LocalSteps = 10 });
        Assert.Equal(0, ok.Metrics[RoundMetric.Failed]); // exactly half is not "over half"
    }

    [Fact]
    public void Rejected_and_duplicate_replies_do_not_touch_the_model()
    {
        var model = Model(fill: 10f);
        var s = StrategyFactory.Create("hfedmoe", Options);
        s.ConfigureTrain(0, model, Clients);
        var agg = s.BeginAggregateTrain(0);
        var good = FederatedFixture.Update(model, "a", 100, 1f, [0], UsageA);
        Assert.Null(agg.Offer(good));
        Assert.Contains("second update", agg.Offer(good)!.Reason, StringComparison.Ordinal);
        Assert.Contains("NaN", agg.Offer(FederatedFixture.Update(model, "b", 300, float.NaN, [1], UsageB))!.Reason, StringComparison.Ordinal);
        Assert.Contains("claims 301 samples", agg.Offer(FederatedFixture.Update(model, "b", 301, 2f, [1], UsageB))!.Reason, StringComparison.Ordinal);
        var r = agg.Complete([new ClientFailure("b", "timeout")]);
        Assert.Equal(1f, FederatedFixture.At(r.Model, "embed.w"));
        Assert.Equal(3, r.Rejections.Count);
        Assert.Equal((1, 3, 1), (r.Metrics[RoundMetric.Accepted], r.Metrics[RoundMetric.Rejected], r.Metrics[RoundMetric.Failed]));
    }

    [Fact]
    public void A_bad_value_in_the_last_tensor_is_rejected_and_rolled_back_exactly()
    {
        var model = Model(fill: 0.3f);
        var rng = new Random(2);
        var values = Enumerable.Range(0, 32).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var a = FederatedFixture.Update(model, "a", 100, 0f, [0, 2], UsageA, valueAt: (n, i) => values[(i + 3 * n.Length) % 32]);
        var b = FederatedFixture.Update(model, "b", 300, 0f, [1, 2], UsageB, valueAt: (n, i) => values[(i + n.Length) % 32] * 0.7f);
        var lastName = b.Tensors[^1].Name;
        var badB = FederatedFixture.Update(model, "b", 300, 0f, [1, 2], UsageB,
            valueAt: (n, i) => n == lastName && i == 2 ? float.PositiveInfinity : values[(i + n.Length) % 32] * 0.7f);

        GlobalModel Run(params SparseUpdate[] replies)
        {
            var s = StrategyFactory.Create("hfedmoe", Options);
            s.ConfigureTrain(0, model, Clients);
            var agg = s.BeginAggregateTrain(0);
            foreach (var r in replies)
            {
                agg.Offer(r);
            }
            return agg.Complete([]).Model;
        }

        var clean = Run(a);
        var rolledBack = Run(badB, a);
        Assert.Equal(clean.Values.ToArray().Select(BitConverter.SingleToInt32Bits), rolledBack.Values.ToArray().Select(BitConverter.SingleToInt32Bits));
        var s2 = StrategyFactory.Create("hfedmoe", Options);
        s2.ConfigureTrain(0, model, Clients);
        var agg2 = s2.BeginAggregateTrain(0);
        Assert.Contains($"tensor '{lastName}' has", agg2.Offer(badB)!.Reason, StringComparison.Ordinal);
        Assert.Null(agg2.Offer(b)); // a corrected resend is accepted
    }

    [Fact]
    public void Every_strategy_gives_the_same_bits_for_any_reply_order()
    {
        var model = Model(fill: 0.25f);
        var rng = new Random(11);
        var profiles = Enumerable.Range(0, 12).Select(i => new ClientProfile($"c{i}", 20 + i * 7, Tier: i % 2 == 0 ? "small" : "big")).ToArray();
        var replies = profiles.Select(p =>
        {
            var usage = Enumerable.Range(0, 4).Select(_ => rng.NextDouble() * 0.5).ToArray();
            var values = Enumerable.Range(0, 32).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
            int[] trained = [.. Enumerable.Range(0, 4).Where(_ => rng.Next(2) == 0)];
            return FederatedFixture.Update(model, p.ClientId, p.SampleCount, 0f, trained, usage, usage.Select(u => u * 1.5).ToArray(),
                valueAt: (n, i) => values[(i + n.Length) % 32]);
        }).ToList();
        foreach (var name in StrategyFactory.Names)
        {
            int[]? first = null;
            for (int trial = 0; trial < 3; trial++)
            {
                var s = StrategyFactory.Create(name, Options);
                s.ConfigureTrain(1, model, profiles);
                var shuffled = replies.Select(u => u with { Round = 1 }).OrderBy(_ => rng.Next()).ToList();
                var bits = s.AggregateTrain(1, shuffled, []).Model.Values.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
                first ??= bits;
                Assert.Equal(first, bits);
            }
        }
    }

    [Fact]
    public void Evaluation_is_sample_weighted_and_central_evaluation_is_a_hook()
    {
        var s = StrategyFactory.Create("hfedmoe", Options with { CentralEvaluator = (round, m) => new EvaluateSummary(round, m.Version, new Dictionary<string, double>()) });
        var plans = s.ConfigureEvaluate(3, Model(), Clients);
        Assert.Equal(["a", "b"], plans.Select(p => p.ClientId));
        var summary = s.AggregateEvaluate(3, [new EvaluateReply("b", 3, 300, 1.0, 0.9), new EvaluateReply("a", 3, 100, 2.0, 0.5), new EvaluateReply("c", 2, 100, 0, 0)], [])!;
        Assert.Equal(1.25, summary.Loss, 12);
        Assert.Equal(0.8, summary.Accuracy, 12);
        Assert.Equal(1, summary.Metrics["evaluate.ignored"]);
        Assert.Null(s.AggregateEvaluate(3, [], []));
        Assert.Equal(3, s.Evaluate(3, Model())!.Loss);
        Assert.Null(StrategyFactory.Create("hfedmoe").Evaluate(3, Model()));
    }
}
