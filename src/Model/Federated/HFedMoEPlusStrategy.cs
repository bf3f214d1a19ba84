namespace HFedMoE.Model.Federated;

/// <summary>
/// HFedMoE-plus: budget-bound expert selection as HFedMoE's (or by the fine-tuning loss's
/// saliency), with a damped expert merge — a client that did not train an expert still counts
/// for it with ρ·|D_c| as the previous global value (<see cref="PlusOptions.UntrainedWeight"/>),
/// so an expert trained by one or two clients moves by a fraction of their change instead of
/// taking their copy whole — and a choice of router merge. Everything is expressed as
/// <see cref="ContributionWeights"/>, so the streaming merge and the aggregator actors give the
/// same bits, and the clients' compute is exactly the selector's (the budget holds).
/// </summary>
public sealed class HFedMoEPlusStrategy(string name, StrategyOptions options) : ExpertBudgetStrategy(name, options)
{
    // Null when the options ask for no server step: then nothing is kept between rounds.
    private readonly ServerExpertStep? _step = options.Plus.HasServerStep
        ? new ServerExpertStep(options.Plus.ServerMomentum, options.Plus.ServerLearningRate, options.Plus.HolderLrExponent)
        : null;

    public HFedMoEPlusStrategy(StrategyOptions options)
        : this(StrategyFactory.HFedMoEPlus, options)
    {
    }

    public override bool HasServerStep => _step is not null;

    protected internal override GlobalModel AfterMerge(GlobalModel previous, GlobalModel merged, IReadOnlyList<int> holders, int accepted) =>
        _step is null ? merged : _step.Apply(previous, merged, holders, accepted);

    protected internal override RouterMerge RouterMerge =>
        Options.Plus.Router == PlusRouter.Holders ? RouterMerge.PerExpertColumn : RouterMerge.Normalised;

    protected internal override bool UsesGatingPreference => Options.Plus.Router == PlusRouter.Preference;

    protected override TrainPlan Plan(PlanContext context) =>
        BasePlan(context, context.Budget, Options.Plus.Selection switch
        {
            PlusSelection.Importance => ExpertSelector.Importance,
            PlusSelection.Snip => ExpertSelector.SnipTopK,
            _ => ExpertSelector.InformationBottleneck,
        });

    protected internal override ContributionWeights WeightsFor(SparseUpdate update, TrainPlan plan)
    {
        ArgumentNullException.ThrowIfNull(update);
        int n = update.Usage.Count;
        var experts = DampedExpertWeights(update, Options.Plus.UntrainedWeight);
        return Options.Plus.Router switch
        {
            PlusRouter.Preference => new ContributionWeights(update.SampleCount,
                SparseAggregation.GatingPreference(update.Usage, update.Importance, Options.Tau), null, experts),
            PlusRouter.Holders => new ContributionWeights(update.SampleCount, 0, HolderWeights(update, n), experts),
            _ => new ContributionWeights(update.SampleCount, update.SampleCount, null, experts),
        };
    }

    /// <summary>|D_c| for each expert the client trained, ρ·|D_c| (its copy is the previous value) for every other.</summary>
    public static double[] DampedExpertWeights(SparseUpdate update, double untrainedWeight)
    {
        ArgumentNullException.ThrowIfNull(update);
        var experts = new double[update.Usage.Count];
        Array.Fill(experts, untrainedWeight * update.SampleCount);
        foreach (int e in update.TrainedExperts)
        {
            experts[e] = update.SampleCount;
        }
        return experts;
    }
}
