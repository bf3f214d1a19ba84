namespace HFedMoE.Model.Federated;

/// <summary>
/// Frequency top-k (FedMoE-style): the most-routed experts of each batch are trained; experts and
/// their router columns are averaged over the clients that trained them (modular aggregation).
/// </summary>
public sealed class FrequencyTopKStrategy(StrategyOptions options) : ExpertBudgetStrategy(StrategyFactory.FrequencyTopK, options)
{
    protected internal override RouterMerge RouterMerge => RouterMerge.PerExpertColumn;

    protected override TrainPlan Plan(PlanContext context) => BasePlan(context, context.Budget, ExpertSelector.FrequencyTopK);

    protected internal override ContributionWeights WeightsFor(SparseUpdate update, TrainPlan plan)
    {
        ArgumentNullException.ThrowIfNull(update);
        var holders = HolderWeights(update, update.Usage.Count);
        return new(update.SampleCount, 0, holders, holders);
    }
}
