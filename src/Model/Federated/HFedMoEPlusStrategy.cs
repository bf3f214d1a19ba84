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

    // Exploration: rounds since each expert last had a holder, valid for the model version _staleVersion.
    private int[] _staleness = [];
    private int _staleVersion = -1;

    public HFedMoEPlusStrategy(StrategyOptions options)
        : this(StrategyFactory.HFedMoEPlus, options)
    {
    }

    public override bool HasServerStep => _step is not null;

    public override bool KeepsStateAcrossRounds => HasServerStep || Options.Plus.ExploreAfter > 0;

    /// <summary>
    /// The experts no accepted update trained for <see cref="PlusOptions.ExploreAfter"/> rounds or
    /// more before a round on <paramref name="model"/>; none when exploration is off or the
    /// staleness was counted for another version (a restarted server counts from zero).
    /// </summary>
    public IReadOnlyList<int> StaleExperts(GlobalModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        int k = Options.Plus.ExploreAfter;
        if (k <= 0 || model.Version != _staleVersion || _staleness.Length != model.Layout.ExpertCount)
        {
            return [];
        }
        return [.. Enumerable.Range(0, _staleness.Length).Where(e => _staleness[e] >= k)];
    }

    protected internal override void OnMerged(int version, IReadOnlyList<int> holders)
    {
        if (Options.Plus.ExploreAfter <= 0)
        {
            return;
        }
        if (_staleVersion != version - 1 || _staleness.Length != holders.Count)
        {
            _staleness = new int[holders.Count];
        }
        for (int e = 0; e < holders.Count; e++)
        {
            _staleness[e] = holders[e] > 0 ? 0 : _staleness[e] + 1;
        }
        _staleVersion = version;
    }

    protected internal override GlobalModel AfterMerge(GlobalModel previous, GlobalModel merged, IReadOnlyList<int> holders, int accepted) =>
        _step is null ? merged : _step.Apply(previous, merged, holders, accepted);

    protected internal override RouterMerge RouterMerge =>
        Options.Plus.Router == PlusRouter.Holders ? RouterMerge.PerExpertColumn : RouterMerge.Normalised;

    protected internal override bool UsesGatingPreference => Options.Plus.Router == PlusRouter.Preference;

    protected override TrainPlan Plan(PlanContext context)
    {
        var plan = BasePlan(context, context.Budget, Options.Plus.Selection switch
        {
            PlusSelection.Importance => ExpertSelector.Importance,
            PlusSelection.Snip => ExpertSelector.SnipTopK,
            _ => ExpertSelector.InformationBottleneck,
        });
        var stale = StaleExperts(context.Model);
        return stale.Count == 0 ? plan : plan with { ExploreExperts = stale, ExploreSlots = Options.Plus.ExploreSlots };
    }

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
