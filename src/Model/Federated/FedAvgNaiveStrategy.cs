namespace HFedMoE.Model.Federated;

/// <summary>
/// FedAvg-Naive: budget-unaware. A local step whose routed experts exceed the client's budget
/// fails (the device would run out of memory); a client with more than the threshold share of
/// failed steps loses its update for the round. Survivors are merged by FedAvg over full models.
/// </summary>
public sealed class FedAvgNaiveStrategy(StrategyOptions options) : ExpertBudgetStrategy(StrategyFactory.FedAvgNaive, options)
{
    protected override TrainPlan Plan(PlanContext context) =>
        BasePlan(context, context.Budget, ExpertSelector.AllRouted) with
        {
            FailWhenOverBudget = true,
            FailureThreshold = Options.NaiveFailureThreshold,
        };

    protected internal override ContributionWeights WeightsFor(SparseUpdate update, TrainPlan plan) =>
        FedAvgWeights(update, update.Usage.Count);
}
