namespace HFedMoE.Model.Federated;

/// <summary>
/// HFedMoE (ALGORITHM.md §1–3): clients train at most C_budget routed experts per batch, chosen
/// by I(e) (or s(e)); the server merges each expert over clients that used it (u ≥ τ) and
/// trained it, and the router with importance-based client weights. Its ablations are options:
/// β = 0, λ = 1, rank by s, FedAvg merge, unnormalised α, no trained condition.
/// </summary>
public sealed class HFedMoEStrategy(string name, StrategyOptions options) : ExpertBudgetStrategy(name, options)
{
    public HFedMoEStrategy(StrategyOptions options)
        : this(StrategyFactory.HFedMoE, options)
    {
    }

    protected internal override RouterMerge RouterMerge => HFedMoEWeights.RouterMergeOf(Options);

    protected internal override bool UsesGatingPreference => Options.SparsityAwareAggregation;

    protected override TrainPlan Plan(PlanContext context) =>
        BasePlan(context, context.Budget, Options.RankBy == RankBy.Importance ? ExpertSelector.Importance : ExpertSelector.InformationBottleneck);

    protected internal override ContributionWeights WeightsFor(SparseUpdate update, TrainPlan plan)
    {
        ArgumentNullException.ThrowIfNull(update);
        int n = update.Usage.Count;
        if (!Options.SparsityAwareAggregation)
        {
            return FedAvgWeights(update, n);
        }
        var trained = new bool[n];
        foreach (int e in update.TrainedExperts)
        {
            trained[e] = true;
        }
        var experts = new double[n];
        for (int e = 0; e < n; e++)
        {
            experts[e] = HFedMoEWeights.ExpertWeight(Options, update.SampleCount, update.Usage[e], trained[e]);
        }
        var (router, columns) = HFedMoEWeights.RouterWeight(Options, update.SampleCount, update.Usage, update.Importance);
        return new ContributionWeights(update.SampleCount, router, columns, experts);
    }
}
