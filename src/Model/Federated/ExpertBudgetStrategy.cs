namespace HFedMoE.Model.Federated;

/// <summary>
/// What every strategy here shares: budgets from tiers and the cost model, validation, the
/// streaming merge, failure handling and metrics. A concrete strategy says how a client trains
/// (<see cref="Plan"/>) and how much each reply counts (<see cref="WeightsFor"/>).
/// </summary>
public abstract class ExpertBudgetStrategy : IFederatedStrategy
{
    private int _round = -1;
    private GlobalModel? _model;
    private Dictionary<string, TrainPlan> _plans = new(StringComparer.Ordinal);
    private Dictionary<string, ClientProfile> _profiles = new(StringComparer.Ordinal);

    protected ExpertBudgetStrategy(string name, StrategyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Name = name;
        Options = options;
    }

    public string Name { get; }

    public StrategyOptions Options { get; }

    /// <summary>How the router is merged; HFedMoE's comes from its options, baselines use FedAvg.</summary>
    protected internal virtual RouterMerge RouterMerge => RouterMerge.Normalised;

    public IReadOnlyList<TrainPlan> ConfigureTrain(int round, GlobalModel model, IReadOnlyList<ClientProfile> clients)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(clients);
        if (round < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(round), round, "round must be ≥ 0");
        }
        if (clients.Count == 0)
        {
            throw new ArgumentException("a round needs at least one client", nameof(clients));
        }
        var profiles = new Dictionary<string, ClientProfile>(StringComparer.Ordinal);
        foreach (var c in clients)
        {
            if (c.SampleCount <= 0)
            {
                throw new ArgumentException($"client '{c.ClientId}' has sample count {c.SampleCount}; expected > 0", nameof(clients));
            }
            if (!profiles.TryAdd(c.ClientId, c))
            {
                throw new ArgumentException($"client '{c.ClientId}' is listed twice", nameof(clients));
            }
        }
        var plans = new List<TrainPlan>(clients.Count);
        foreach (var c in clients)
        {
            var tier = TierOf(c);
            double cap = c.ComputeCap ?? tier!.ComputeCap;
            int budget = Options.CostModel.BudgetFor(cap, model.Layout.ExpertCount);
            plans.Add(Plan(new PlanContext(round, model, c, tier, budget, ClientSeed(round, c.ClientId))));
        }
        _round = round;
        _model = model;
        _profiles = profiles;
        _plans = plans.ToDictionary(p => p.ClientId, StringComparer.Ordinal);
        return plans;
    }

    public IRoundAggregation BeginAggregateTrain(int round) =>
        new RoundAggregation(this, _round, ConfiguredModel(round), _plans, _profiles, Bounds());

    /// <summary>
    /// Starts the round's merge for a runtime that sums the tensors elsewhere (the aggregator
    /// actors): validation, weights and metrics exactly as <see cref="BeginAggregateTrain"/>, with
    /// no tensor sums allocated. Merging each reply's tensors with the weights it returns, within
    /// <see cref="DelegatedMerge.Bounds"/> and by <see cref="DelegatedMerge.RouterMerge"/>, gives
    /// this strategy's model bit for bit.
    /// </summary>
    public DelegatedMerge BeginDelegatedMerge(int round)
    {
        if (HasServerStep)
        {
            throw new InvalidOperationException($"{Name} takes a server step on the whole merged model (and keeps state across rounds); merge it with {nameof(BeginAggregateTrain)}, not elsewhere");
        }
        var model = ConfiguredModel(round);
        var bounds = Bounds();
        return new DelegatedMerge(new RoundAggregation(this, _round, model, _plans, _profiles, bounds, metricsOnly: true), bounds, RouterMerge);
    }

    private GlobalModel ConfiguredModel(int round) =>
        _model is not null && round == _round
            ? _model
            : throw new InvalidOperationException($"round {round} was not configured; the last configured round is {(_round < 0 ? "none" : _round)}");

    /// <summary>What the exact sums are sized for: the router bound follows how this strategy weighs the router.</summary>
    private AggregationBounds Bounds()
    {
        bool routerByPreference = UsesGatingPreference && RouterMerge is not RouterMerge.PerExpertColumn;
        return AggregationBounds.For([.. _profiles.Values], _model!.Layout.Layers, routerByPreference, Options.ValueBound);
    }

    public TrainAggregate AggregateTrain(int round, IReadOnlyList<SparseUpdate> replies, IReadOnlyList<ClientFailure> failures)
    {
        ArgumentNullException.ThrowIfNull(replies);
        var aggregation = BeginAggregateTrain(round);
        foreach (var r in replies)
        {
            aggregation.Offer(r);
        }
        return aggregation.Complete(failures);
    }

    public IReadOnlyList<EvaluatePlan> ConfigureEvaluate(int round, GlobalModel model, IReadOnlyList<ClientProfile> clients)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(clients);
        return [.. clients.Select(c => new EvaluatePlan(c.ClientId, round, model.Version, Options.EvaluateBatchSize))];
    }

    public EvaluateSummary? AggregateEvaluate(int round, IReadOnlyList<EvaluateReply> replies, IReadOnlyList<ClientFailure> failures)
    {
        ArgumentNullException.ThrowIfNull(replies);
        ArgumentNullException.ThrowIfNull(failures);
        var valid = replies
            .Where(r => r.Round == round && r.SampleCount > 0 && double.IsFinite(r.Loss) && r.Accuracy is >= 0 and <= 1)
            .OrderBy(r => r.ClientId, StringComparer.Ordinal)
            .ToList();
        if (valid.Count == 0)
        {
            return null;
        }
        double n = valid.Sum(r => (double)r.SampleCount);
        double loss = valid.Sum(r => r.SampleCount * r.Loss) / n;
        double acc = valid.Sum(r => r.SampleCount * r.Accuracy) / n;
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["evaluate.clients"] = valid.Count,
            ["evaluate.ignored"] = replies.Count - valid.Count,
            ["evaluate.failed"] = failures.Count,
            ["evaluate.accuracy.min"] = valid.Min(r => r.Accuracy),
        };
        return new EvaluateSummary(loss, acc, metrics);
    }

    public EvaluateSummary? Evaluate(int round, GlobalModel model) => Options.CentralEvaluator?.Invoke(round, model);

    /// <summary>The plan for one client; the budget is already derived from its cap.</summary>
    protected abstract TrainPlan Plan(PlanContext context);

    /// <summary>How much a validated reply counts in each part of the merge.</summary>
    protected internal abstract ContributionWeights WeightsFor(SparseUpdate update, TrainPlan plan);

    /// <summary>
    /// True when the weighted merge is followed by a step on the whole merged model with state
    /// kept across rounds (<see cref="AfterMerge"/>): such a strategy cannot hand its merge to the
    /// aggregator actors (<see cref="BeginDelegatedMerge"/> refuses), and one round cannot be
    /// re-merged alone.
    /// </summary>
    public virtual bool HasServerStep => false;

    /// <summary>
    /// The round's model from the weighted merge (called only when <see cref="HasServerStep"/>):
    /// <paramref name="holders"/> per global expert id, <paramref name="accepted"/> updates merged.
    /// </summary>
    protected internal virtual GlobalModel AfterMerge(GlobalModel previous, GlobalModel merged, IReadOnlyList<int> holders, int accepted) => merged;

    /// <summary>
    /// True when the plans or the merge of a round depend on earlier rounds beyond the model (a
    /// server step's momentum, exploration's staleness), so one round cannot be re-derived alone.
    /// </summary>
    public virtual bool KeepsStateAcrossRounds => HasServerStep;

    /// <summary>Told the holders per global expert id of every completed merge and the version it produced.</summary>
    protected internal virtual void OnMerged(int version, IReadOnlyList<int> holders)
    {
    }

    /// <summary>True when router weights are HFedMoE's a_c (bounded by the layer count).</summary>
    protected internal virtual bool UsesGatingPreference => false;

    /// <summary>A plan with the common fields filled in.</summary>
    protected TrainPlan BasePlan(PlanContext context, int budget, ExpertSelector selector) => new(
        context.Client.ClientId,
        context.Round,
        context.Model.Version,
        budget,
        selector,
        Options.Lambda,
        Options.Beta,
        Options.Local,
        context.Seed);

    /// <summary>FedAvg by |D_c| over every expert (unsent experts count as the previous value).</summary>
    protected static ContributionWeights FedAvgWeights(SparseUpdate update, int expertCount)
    {
        ArgumentNullException.ThrowIfNull(update);
        var experts = new double[expertCount];
        Array.Fill(experts, update.SampleCount);
        return new ContributionWeights(update.SampleCount, update.SampleCount, null, experts);
    }

    /// <summary>|D_c| for each expert the client trained, 0 otherwise (holders-only averaging).</summary>
    protected static double[] HolderWeights(SparseUpdate update, int expertCount)
    {
        ArgumentNullException.ThrowIfNull(update);
        var experts = new double[expertCount];
        foreach (int e in update.TrainedExperts)
        {
            experts[e] = update.SampleCount;
        }
        return experts;
    }

    private BudgetTier? TierOf(ClientProfile c)
    {
        if (c.ComputeCap is not null && c.Tier is not null)
        {
            throw new ArgumentException($"client '{c.ClientId}' gives both a compute cap and tier '{c.Tier}'; give one");
        }
        if (c.ComputeCap is not null)
        {
            return null;
        }
        if (c.Tier is null)
        {
            throw new ArgumentException($"client '{c.ClientId}' gives neither a compute cap nor a budget tier");
        }
        return Options.Tiers.FirstOrDefault(t => t.Name == c.Tier)
            ?? throw new ArgumentException($"client '{c.ClientId}' names unknown budget tier '{c.Tier}'; configured tiers: {(Options.Tiers.Count == 0 ? "none" : string.Join(", ", Options.Tiers.Select(t => t.Name)))}");
    }

    /// <summary>A per-client, per-round seed that does not depend on process hash randomisation.</summary>
    private int ClientSeed(int round, string clientId)
    {
        ulong h = 14695981039346656037UL;
        foreach (char ch in clientId)
        {
            h = (h ^ ch) * 1099511628211UL;
        }
        h ^= (ulong)(uint)Options.Seed * 0x9E3779B97F4A7C15UL;
        h ^= (ulong)(uint)round * 0xC2B2AE3D27D4EB4FUL;
        h ^= h >> 31;
        return (int)(h & 0x7FFFFFFF);
    }

    /// <summary>What <see cref="Plan"/> knows about the client.</summary>
    protected internal sealed record PlanContext(int Round, GlobalModel Model, ClientProfile Client, BudgetTier? Tier, int Budget, int Seed);
}
