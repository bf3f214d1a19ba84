using HFedMoE.Actors.Protocol;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Aggregation;

/// <summary>
/// One open round of one aggregator: the Federated layer's <see cref="UpdateValidator"/> and
/// <see cref="StreamingAggregator"/> over the aggregator's <see cref="AggregationScope"/>, plus the
/// round's clients and the ledger of accepted updates. Memory: the scope's sums, never an update.
/// </summary>
internal sealed class ScopedRound
{
    private readonly Dictionary<string, TrainPlan> _plans = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ClientProfile> _profiles = new(StringComparer.Ordinal);
    private readonly UpdateValidator _validator;
    private readonly StreamingAggregator _aggregator;

    public ScopedRound(OpenRound open, AggregationScope scope, RouterMerge routerMerge)
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(open.Plans);
        ArgumentNullException.ThrowIfNull(open.Clients);
        ArgumentNullException.ThrowIfNull(open.Options);
        ArgumentNullException.ThrowIfNull(open.Bounds);
        foreach (var c in open.Clients)
        {
            if (!_profiles.TryAdd(c.ClientId, c))
            {
                throw new ArgumentException($"client '{c.ClientId}' is listed twice in round {open.Round}");
            }
        }
        // Expert assignment is checked by the aggregator against global expert ids, so the
        // scoped plans leave it open; width fractions (leading blocks) stay as planned.
        var scopedPlans = new Dictionary<string, TrainPlan>(StringComparer.Ordinal);
        foreach (var p in open.Plans)
        {
            if (!_profiles.ContainsKey(p.ClientId))
            {
                throw new ArgumentException($"round {open.Round} plans client '{p.ClientId}', which has no profile");
            }
            if (!_plans.TryAdd(p.ClientId, p))
            {
                throw new ArgumentException($"client '{p.ClientId}' has two plans in round {open.Round}");
            }
            scopedPlans[p.ClientId] = p with { AssignedExperts = null };
        }
        Round = open.Round;
        ModelVersion = open.Model.Version;
        Options = open.Options;
        Scope = scope;
        _validator = new UpdateValidator(scope.Model, open.Round, scopedPlans, open.Options.ValueBound);
        _aggregator = new StreamingAggregator(scope.Model, open.Bounds, routerMerge);
        Ledger = new UpdateLedger(open.Round);
    }

    public int Round { get; }

    public int ModelVersion { get; }

    public StrategyOptions Options { get; }

    public AggregationScope Scope { get; }

    public UpdateLedger Ledger { get; }

    /// <summary>Why the client may not contribute (not planned, or more samples than its profile), or null.</summary>
    public string? ClientProblem(string clientId, int sampleCount)
    {
        if (!_plans.ContainsKey(clientId))
        {
            return $"unknown client '{clientId}': not planned in round {Round}";
        }
        int profile = _profiles[clientId].SampleCount;
        return sampleCount > profile ? $"claims {sampleCount} samples; its profile has {profile}" : null;
    }

    public TrainPlan PlanOf(string clientId) => _plans[clientId];

    /// <summary>The Federated validator's verdict on a scoped update (round, version, statistics, names, shapes, values).</summary>
    public string? Validate(SparseUpdate scoped) => _validator.Validate(scoped)?.Reason;

    /// <summary>Streams a validated update into the sums; a refusal (weight beyond the bounds) is returned as a reason.</summary>
    public string? Add(SparseUpdate scoped, ContributionWeights weights)
    {
        try
        {
            _aggregator.Add(scoped, weights);
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            return e.Message;
        }
    }

    public AggregationOutcome Finalise(double routerDivisor) => _aggregator.Finalise(routerDivisor);

    /// <summary>This scope's parameters as merged; ones no accepted update touched keep their previous values.</summary>
    public IEnumerable<Tensor> MergedTensors(AggregationOutcome outcome) =>
        Scope.Entries.Select(entry => TensorCodec.Encode(entry.Name, entry.Slice.Shape, outcome.Model.ValuesOf(entry.Name)));
}
