namespace HFedMoE.Model.Federated;

/// <summary>
/// HeteroFL-style: every routed expert is trained, but only the leading share p_c =
/// C_budget/E of its hidden width (clamped to [MinWidthFraction, 1]), so its cost matches the
/// budget; each slice element is averaged over the clients whose slice covers it.
/// </summary>
public sealed class HeteroFLStrategy(StrategyOptions options) : ExpertBudgetStrategy(StrategyFactory.HeteroFL, options)
{
    protected override TrainPlan Plan(PlanContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        int experts = context.Model.Layout.ExpertCount;
        double width = Math.Clamp((double)context.Budget / experts, Options.MinWidthFraction, 1.0);
        return BasePlan(context, experts, ExpertSelector.AllRouted) with { ExpertWidthFraction = width };
    }

    protected internal override ContributionWeights WeightsFor(SparseUpdate update, TrainPlan plan)
    {
        ArgumentNullException.ThrowIfNull(update);
        return new(update.SampleCount, update.SampleCount, null, HolderWeights(update, update.Usage.Count));
    }
}
