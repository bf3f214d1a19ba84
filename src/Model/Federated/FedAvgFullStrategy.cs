namespace HFedMoE.Model.Federated;

/// <summary>
/// FedAvg-Full: no budget — every client trains every routed expert — and FedAvg by |D_c| over
/// full models (an expert a client did not touch counts with its unchanged global value).
/// The unconstrained reference.
/// </summary>
public sealed class FedAvgFullStrategy(StrategyOptions options) : ExpertBudgetStrategy(StrategyFactory.FedAvgFull, options)
{
    protected override TrainPlan Plan(PlanContext context) =>
        BasePlan(context, context.Model.Layout.ExpertCount, ExpertSelector.AllRouted);

    protected internal override ContributionWeights WeightsFor(SparseUpdate update, TrainPlan plan) =>
        FedAvgWeights(update, update.Usage.Count);
}
