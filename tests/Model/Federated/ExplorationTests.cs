using HFedMoE.Model.Federated;

namespace HFedMoE.Model.Tests.Federated;

/// <summary>
/// hfedmoe-plus's exploration: experts nobody trained for K rounds get budget slots first, and the
/// budget still holds — in the selection rule, in the strategy's plans over rounds, and in a real
/// local training run.
/// </summary>
public sealed class ExplorationTests
{
    // Scores by expert id: 0 is best, 5 worst.
    private static readonly double[] Scores = [0.9, 0.8, 0.7, 0.6, 0.1, 0.05];

    [Fact]
    public void A_stale_routed_expert_takes_a_slot_from_the_weakest_chosen_one_within_the_budget()
    {
        int[] routed = [0, 1, 2, 3, 4, 5];
        var chosen = ExpertSelection.SnipTopK(routed, Scores, 3);
        Assert.Equal([0, 1, 2], chosen);
        // Expert 5 is stale: it takes the place of 2, the weakest chosen one.
        Assert.Equal([0, 1, 5], ExpertSelection.Explore(chosen, routed, Scores, 3, stale: [5], slots: 1));
        // Two stale experts, one slot: the better-scored of them (4).
        Assert.Equal([0, 1, 4], ExpertSelection.Explore(chosen, routed, Scores, 3, stale: [4, 5], slots: 1));
        // Two slots: both, and only the best non-stale one stays.
        Assert.Equal([0, 4, 5], ExpertSelection.Explore(chosen, routed, Scores, 3, stale: [4, 5], slots: 2));
        // Slots beyond the budget never grow the selection.
        Assert.Equal([3, 4, 5], ExpertSelection.Explore(chosen, routed, Scores, 3, stale: [3, 4, 5], slots: 9));
        // A stale expert the batch does not route cannot be trained: nothing changes.
        Assert.Equal([0, 1, 2], ExpertSelection.Explore(chosen, [0, 1, 2, 3], Scores, 3, stale: [5], slots: 1));
        // Already chosen: nothing to add. Budget not binding: the stale one is simply added.
        Assert.Equal([0, 1, 2], ExpertSelection.Explore(chosen, routed, Scores, 3, stale: [1], slots: 1));
        Assert.Equal([0, 1, 2, 5], ExpertSelection.Explore(chosen, routed, Scores, 4, stale: [5], slots: 1));
        Assert.Empty(ExpertSelection.Explore([], routed, Scores, 0, stale: [5], slots: 1));
    }

    [Fact]
    public void Explore_refuses_a_selection_over_the_budget_or_unrouted()
    {
        Assert.Throws<ArgumentException>(() => ExpertSelection.Explore([0, 1], [0, 1, 2], Scores, 1, [2], 1));
        Assert.Throws<ArgumentException>(() => ExpertSelection.Explore([4], [0, 1, 2], Scores, 1, [2], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExpertSelection.Explore([0], [0, 1, 2], Scores, 1, [2], -1));
    }

    private static readonly BudgetTier[] Tiers = [new("small", 1), new("big", 4)];
    private static readonly ClientProfile[] Clients = [new("a", 100, Tier: "small"), new("b", 300, Tier: "big")];

    private static GlobalModel Round(HFedMoEPlusStrategy s, GlobalModel model, int round, int[] trainedA, int[] trainedB)
    {
        s.ConfigureTrain(round, model, Clients);
        return s.AggregateTrain(round, [
            FederatedFixture.Update(model, "a", 100, 1f, trainedA, round: round),
            FederatedFixture.Update(model, "b", 300, 2f, trainedB, round: round)], []).Model;
    }

    [Fact]
    public void Plans_name_the_experts_nobody_trained_for_K_rounds_and_forget_them_once_trained()
    {
        var options = new StrategyOptions { Tiers = Tiers, Plus = new PlusOptions(ExploreAfter: 2, ExploreSlots: 1) };
        var s = (HFedMoEPlusStrategy)StrategyFactory.Create(StrategyFactory.HFedMoEPlus, options);
        Assert.True(s.KeepsStateAcrossRounds);
        Assert.False(s.HasServerStep);
        var m0 = FederatedFixture.Model(10f, layers: 2, experts: 2);   // experts 0..3

        Assert.All(s.ConfigureTrain(0, m0, Clients), p => Assert.Null(p.ExploreExperts));
        var m1 = Round(s, m0, 0, [0], [1]);            // 2 and 3 idle: staleness 1
        Assert.Empty(s.StaleExperts(m1));
        var m2 = Round(s, m1, 1, [0], [1, 3]);         // 2 idle twice
        Assert.Equal([2], s.StaleExperts(m2));
        var plans = s.ConfigureTrain(2, m2, Clients);
        Assert.All(plans, p => Assert.Equal([2], p.ExploreExperts!));
        Assert.All(plans, p => Assert.Equal(1, p.ExploreSlots));
        Assert.Equal([1, 4], plans.Select(p => p.ExpertBudget));   // the budgets are the tiers' as ever
        var m3 = s.AggregateTrain(2, [
            FederatedFixture.Update(m2, "a", 100, 1f, [2], round: 2),
            FederatedFixture.Update(m2, "b", 300, 2f, [0], round: 2)], []).Model;
        Assert.Empty(s.StaleExperts(m3));              // 2 trained again; 1 and 3 idle once
        // A model version the strategy did not produce (a restart): nothing is known to be stale.
        Assert.Empty(s.StaleExperts(m1));
    }

    [Fact]
    public void A_local_run_trains_the_stale_expert_it_routes_and_stays_within_the_budget()
    {
        var trainer = new LocalTrainer(LocalTrainerTests.Tiny);
        var global = LocalTrainerTests.Initial();
        var data = LocalTrainerTests.Task(5, 40);
        var plan = new TrainPlan("c", 0, 0, 2, ExpertSelector.SnipTopK, 0.5, 0.1, new LocalSettings(4, 8, 3e-3), 1);
        var plain = trainer.Train(plan, global, data);
        // The experts a plain run never trains, though (with 8 experts and top-2) the batches route them.
        var untrained = Enumerable.Range(0, 8).Except(plain.TrainedExperts).ToArray();
        Assert.NotEmpty(untrained);

        var steps = new List<LocalStep>();
        var explored = trainer.Train(plan with { ExploreExperts = untrained, ExploreSlots = 1 }, global, data, steps.Add);
        Assert.All(steps, s => Assert.True(s.ExpertsWithBackward <= 2, $"{s.ExpertsWithBackward} experts with backward, budget 2"));
        Assert.True(explored.ExpertBackwardPasses <= 2L * 4);
        Assert.NotEmpty(explored.TrainedExperts.Intersect(untrained));
    }
}
