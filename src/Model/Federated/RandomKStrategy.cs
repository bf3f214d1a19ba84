namespace HFedMoE.Model.Federated;

/// <summary>Random-k: C_budget experts drawn uniformly from the routed ones per batch; FedAvg over holders.</summary>
public sealed class RandomKStrategy(StrategyOptions options) : ExpertBudgetStrategy(StrategyFactory.RandomK, options)
{
    protected override TrainPlan Plan(PlanContext context) => BasePlan(context, context.Budget, ExpertSelector.RandomK);

    protected internal override ContributionWeights WeightsFor(SparseUpdate update, TrainPlan plan)
    {
        ArgumentNullException.ThrowIfNull(update);
        return new(update.SampleCount, update.SampleCount, null, HolderWeights(update, update.Usage.Count));
    }
}
