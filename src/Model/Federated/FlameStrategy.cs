namespace HFedMoE.Model.Federated;

/// <summary>
/// FLAME-style: a weaker client routes each token to fewer experts (k_i from its tier, or
/// ⌈k·C_budget/E⌉ clamped to [1, k]) and trains all it routes; experts are merged with
/// activation-aware weights (f_c(e))^t·|D_c| over the clients that trained them.
/// </summary>
public sealed class FlameStrategy(StrategyOptions options) : ExpertBudgetStrategy(StrategyFactory.Flame, options)
{
    protected override TrainPlan Plan(PlanContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        int experts = context.Model.Layout.ExpertCount;
        int k = context.Tier?.ActiveExpertsPerToken
            ?? Math.Clamp((int)Math.Ceiling((double)Options.ModelTopK * context.Budget / experts), 1, Options.ModelTopK);
        return BasePlan(context, experts, ExpertSelector.AllRouted) with { ActiveExpertsPerToken = k };
    }

    protected internal override ContributionWeights WeightsFor(SparseUpdate update, TrainPlan plan)
    {
        ArgumentNullException.ThrowIfNull(update);
        var experts = new double[update.Usage.Count];
        foreach (int e in update.TrainedExperts)
        {
            experts[e] = SparseAggregation.FlameWeight(update.SampleCount, update.ActivationFrequency[e], Options.FlameExponent);
        }
        return new(update.SampleCount, update.SampleCount, null, experts);
    }
}
