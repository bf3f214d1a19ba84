namespace HFedMoE.Model.Federated;

/// <summary>
/// SNIP top-k: the routed experts with the largest gradient saliency Σ|θ ⊙ ∂L/∂θ| get the
/// backward budget (a gradient-based importance control); FedAvg over holders.
/// </summary>
public sealed class SnipTopKStrategy(StrategyOptions options) : ExpertBudgetStrategy(StrategyFactory.SnipTopK, options)
{
    protected override TrainPlan Plan(PlanContext context) => BasePlan(context, context.Budget, ExpertSelector.SnipTopK);

    protected internal override ContributionWeights WeightsFor(SparseUpdate update, TrainPlan plan)
    {
        ArgumentNullException.ThrowIfNull(update);
        return new(update.SampleCount, update.SampleCount, null, HolderWeights(update, update.Usage.Count));
    }
}
