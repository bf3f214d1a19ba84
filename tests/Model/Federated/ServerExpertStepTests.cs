using HFedMoE.Model.Federated;

namespace HFedMoE.Model.Tests.Federated;

/// <summary>
/// hfedmoe-plus's server step per expert (FedAvgM over holders, per-expert learning rates by
/// holder count) on hand-made updates over several rounds, every expected value worked out by hand.
/// </summary>
public sealed class ServerExpertStepTests
{
    private static readonly BudgetTier[] Tiers = [new("small", 1), new("big", 4)];

    private static readonly ClientProfile[] Clients = [new("a", 100, Tier: "small"), new("b", 300, Tier: "big")];

    // Holders-only merge (ρ = 0) and a FedAvg router, so the merged change of each expert is plain arithmetic.
    private static StrategyOptions Options(double beta, double lr = 1, double gamma = 0) => new()
    {
        Tiers = Tiers,
        Plus = new PlusOptions(PlusSelection.Snip, UntrainedWeight: 0, PlusRouter.FedAvg, beta, lr, gamma),
    };

    /// <summary>One round from <paramref name="model"/>: a (100 samples) sends <paramref name="a"/> for its experts, b (300) <paramref name="b"/>.</summary>
    private static GlobalModel Round(IFederatedStrategy s, GlobalModel model, int round, float a, int[] trainedA, float b, int[] trainedB)
    {
        s.ConfigureTrain(round, model, Clients);
        var ua = FederatedFixture.Update(model, "a", 100, a, trainedA, round: round);
        var ub = FederatedFixture.Update(model, "b", 300, b, trainedB, round: round);
        return s.AggregateTrain(round, [ua, ub], []).Model;
    }

    private static float W1(GlobalModel m, int expert) => FederatedFixture.At(m, $"layers.{expert / 2}.moe.experts.{expert % 2}.w1");

    [Fact]
    public void Momentum_accumulates_per_expert_over_its_holders_and_an_untrained_expert_keeps_it_without_moving()
    {
        var s = StrategyFactory.Create(StrategyFactory.HFedMoEPlus, Options(beta: 0.5));
        var m0 = FederatedFixture.Model(10f, layers: 2, experts: 2);

        // Round 0: e0 ← a's 1 (Δ −9), e1 ← (100·1 + 300·5)/400 = 4 (Δ −6); momentum starts at 0, so x = merged.
        var m1 = Round(s, m0, 0, 1f, [0, 1], 5f, [1]);
        Assert.Equal((1f, 4f, 10f, 10f), (W1(m1, 0), W1(m1, 1), W1(m1, 2), W1(m1, 3)));

        // Round 1: e0 merged 0 (Δ −1): m = 0.5·(−9) − 1 = −5.5, x = 1 − 5.5; e2 merged 2 (Δ −8), m = −8.
        // e1: nobody trained it: stays 4 (its momentum −6 is kept, not applied).
        var m2 = Round(s, m1, 1, 0f, [0], 2f, [2]);
        Assert.Equal((-4.5f, 4f, 2f, 10f), (W1(m2, 0), W1(m2, 1), W1(m2, 2), W1(m2, 3)));

        // Round 2: a trains e1 and sends 4 again (Δ 0): the kept momentum acts, m = 0.5·(−6), x = 4 − 3.
        var m3 = Round(s, m2, 2, 4f, [1], 0f, []);
        Assert.Equal(1f, W1(m3, 1));
        Assert.Equal(-4.5f, W1(m3, 0));   // untrained this round: does not coast on its momentum
        // Shared and router parameters are the merge's: FedAvg 100:300 of 4 and 0.
        Assert.Equal(1f, FederatedFixture.At(m3, "embed.w"));
        Assert.Equal(1f, FederatedFixture.At(m3, "layers.0.moe.router"));
    }

    [Fact]
    public void Holder_count_scales_each_experts_step()
    {
        // γ = 1, η = 1, β = 0: η_e = holders / accepted. e0: 1 of 2 → 10 + 0.5·(1 − 10); e1: 2 of 2 → the merge, 4.
        var s = StrategyFactory.Create(StrategyFactory.HFedMoEPlus, Options(beta: 0, lr: 1, gamma: 1));
        var m1 = Round(s, FederatedFixture.Model(10f, layers: 2, experts: 2), 0, 1f, [0, 1], 5f, [1]);
        Assert.Equal((5.5f, 4f, 10f), (W1(m1, 0), W1(m1, 1), W1(m1, 2)));

        // η = 0.5 alone halves every trained expert's step.
        var half = StrategyFactory.Create(StrategyFactory.HFedMoEPlus, Options(beta: 0, lr: 0.5));
        var h1 = Round(half, FederatedFixture.Model(10f, layers: 2, experts: 2), 0, 1f, [0, 1], 5f, [1]);
        Assert.Equal((5.5f, 7f, 10f), (W1(h1, 0), W1(h1, 1), W1(h1, 2)));
    }

    [Fact]
    public void Without_a_server_step_plus_is_unchanged_and_with_one_the_merge_is_not_delegated()
    {
        var m0 = FederatedFixture.Model(10f, layers: 2, experts: 2);
        var plain = StrategyFactory.Create(StrategyFactory.HFedMoEPlus, Options(beta: 0));
        var noStep = StrategyFactory.Create(StrategyFactory.HFedMoEPlus, new StrategyOptions { Tiers = Tiers, Plus = new PlusOptions(UntrainedWeight: 0, Router: PlusRouter.FedAvg) });
        Assert.False(((ExpertBudgetStrategy)plain).HasServerStep);
        Assert.Equal(Round(noStep, m0, 0, 1f, [0, 1], 5f, [1]).Values.ToArray(), Round(plain, m0, 0, 1f, [0, 1], 5f, [1]).Values.ToArray());

        var withStep = (ExpertBudgetStrategy)StrategyFactory.Create(StrategyFactory.HFedMoEPlus, Options(beta: 0.9));
        Assert.True(withStep.HasServerStep);
        withStep.ConfigureTrain(0, m0, Clients);
        var ex = Assert.Throws<InvalidOperationException>(() => withStep.BeginDelegatedMerge(0));
        Assert.Contains("server step", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_round_from_a_model_version_the_step_did_not_produce_starts_from_zero_momentum()
    {
        var m0 = FederatedFixture.Model(10f, layers: 2, experts: 2);
        var s = StrategyFactory.Create(StrategyFactory.HFedMoEPlus, Options(beta: 0.5));
        Round(s, m0, 0, 1f, [0, 1], 5f, [1]);
        // As after a restart: the next round starts from version 0 again, not the version 1 the step made.
        var again = Round(s, m0, 1, 1f, [0, 1], 5f, [1]);
        var fresh = Round(StrategyFactory.Create(StrategyFactory.HFedMoEPlus, Options(beta: 0.5)), m0, 1, 1f, [0, 1], 5f, [1]);
        Assert.Equal(fresh.Values.ToArray(), again.Values.ToArray());
    }

    [Fact]
    public void Out_of_range_server_step_options_are_refused_by_name()
    {
        Assert.Contains("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => new PlusOptions(ServerMomentum: 1).Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("learning rate", Assert.Throws<ArgumentOutOfRangeException>(() => new PlusOptions(ServerLearningRate: 0).Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("exponent", Assert.Throws<ArgumentOutOfRangeException>(() => new PlusOptions(HolderLrExponent: -1).Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("explore-after", Assert.Throws<ArgumentOutOfRangeException>(() => new PlusOptions(ExploreAfter: -1).Validate()).Message, StringComparison.Ordinal);
    }
}
