namespace HFedMoE.Model.Federated;

/// <summary>
/// A round's merge in progress for an <see cref="ExpertBudgetStrategy"/>: validates each reply,
/// turns it into weights and streams it into the <see cref="StreamingAggregator"/>. Everything
/// kept per reply is a few numbers (for metrics), never its tensors. The accuracy, FLOP,
/// simulated-time, per-tier and per-expert metrics come from <see cref="ClientRoundStatistics"/>.
/// In metrics-only mode (<see cref="DelegatedMerge"/>) no streaming merge exists: the tensors are
/// summed elsewhere with the weights <see cref="Offer(SparseUpdate, out ContributionWeights?)"/>
/// hands back, so memory stays a few numbers per client and expert.
/// </summary>
internal sealed class RoundAggregation : IRoundAggregation
{
    private readonly ExpertBudgetStrategy _strategy;
    private readonly int _round;
    private readonly GlobalModel _model;
    private readonly IReadOnlyDictionary<string, TrainPlan> _plans;
    private readonly IReadOnlyDictionary<string, ClientProfile> _profiles;
    private readonly UpdateValidator _validator;
    // Null in metrics-only mode: the caller merges the tensors.
    private readonly StreamingAggregator? _aggregator;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly List<Rejection> _rejections = [];
    private readonly List<ClientFailure> _lost = [];
    // Per-client numbers for metrics, summed in client-id order at the end so that the metrics,
    // like the model, do not depend on arrival order.
    private readonly SortedDictionary<string, double> _routerWeights = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, (double Loss, int Samples)> _losses = new(StringComparer.Ordinal);
    private readonly bool[] _aboveTau;
    private readonly ClientRoundStatistics _statistics;
    private long _backwardPasses;
    private long _steps;
    private long _failedSteps;
    private int _merged;
    private bool _completed;

    public RoundAggregation(ExpertBudgetStrategy strategy, int round, GlobalModel model,
        IReadOnlyDictionary<string, TrainPlan> plans, IReadOnlyDictionary<string, ClientProfile> profiles, AggregationBounds bounds,
        bool metricsOnly = false)
    {
        _strategy = strategy;
        _round = round;
        _model = model;
        _plans = plans;
        _profiles = profiles;
        _validator = new UpdateValidator(model, round, plans, bounds.ValueBound);
        _aggregator = metricsOnly ? null : new StreamingAggregator(model, bounds, strategy.RouterMerge);
        _aboveTau = new bool[model.Layout.ExpertCount];
        _statistics = new ClientRoundStatistics(profiles, strategy.Options, model.Layout.ExpertCount);
    }

    public Rejection? Offer(SparseUpdate update) => Offer(update, out _);

    /// <summary>
    /// As <see cref="Offer(SparseUpdate)"/>; <paramref name="weights"/> are the weights the reply is
    /// merged with, null if it is not merged (refused, or lost as FedAvg-Naive's over-budget devices).
    /// In metrics-only mode tensor values are not looked at: the caller must have checked them.
    /// </summary>
    public Rejection? Offer(SparseUpdate update, out ContributionWeights? weights)
    {
        ArgumentNullException.ThrowIfNull(update);
        weights = null;
        if (_completed)
        {
            throw new InvalidOperationException($"round {_round} is already complete");
        }
        var rejection = _validator.ValidateMetadata(update);
        if (rejection is null && ClientRoundStatistics.Problem(update) is { } measurements)
        {
            rejection = new Rejection(update.ClientId, measurements);
        }
        if (rejection is null && !_seen.Add(update.ClientId))
        {
            rejection = new Rejection(update.ClientId, $"a second update from '{update.ClientId}' in round {_round}");
        }
        if (rejection is null && update.SampleCount > _profiles[update.ClientId].SampleCount)
        {
            rejection = new Rejection(update.ClientId, $"claims {update.SampleCount} samples; its profile has {_profiles[update.ClientId].SampleCount}");
        }
        if (rejection is not null)
        {
            _rejections.Add(rejection);
            return rejection;
        }

        var plan = _plans[update.ClientId];
        if (plan.FailWhenOverBudget && update.LocalSteps > 0 && update.FailedSteps > plan.FailureThreshold * update.LocalSteps)
        {
            // FedAvg-Naive: the device ran out of budget on too many steps; its update is lost.
            _lost.Add(new ClientFailure(update.ClientId, $"{update.FailedSteps} of {update.LocalSteps} local steps exceeded the budget of {plan.ExpertBudget} experts"));
            CountCompute(update, accepted: false);
            return null;
        }

        var w = _strategy.WeightsFor(update, plan);
        if (_aggregator?.TryAdd(update, w, _validator.ValueProblem) is { } problem)
        {
            // Values are checked tensor by tensor during the merge; a bad one was rolled back.
            var valueRejection = new Rejection(update.ClientId, problem);
            _rejections.Add(valueRejection);
            _seen.Remove(update.ClientId);
            return valueRejection;
        }
        CountCompute(update, accepted: true);
        _merged++;
        weights = w;
        _routerWeights[update.ClientId] = w.RouterColumns?.Sum() ?? w.Router;
        _losses[update.ClientId] = (update.Loss, update.SampleCount);
        for (int e = 0; e < _aboveTau.Length; e++)
        {
            _aboveTau[e] |= update.Usage[e] >= _strategy.Options.Tau;
        }
        return null;
    }

    public TrainAggregate Complete(IReadOnlyList<ClientFailure> failures) =>
        _aggregator is { } aggregator
            ? Complete(failures, sGlobal => aggregator.Finalise(routerDivisor: Math.Max(1, sGlobal)))
            : throw new InvalidOperationException($"round {_round} merges its tensors elsewhere (metrics only): complete it with the merged model");

    /// <summary>Completes a metrics-only round with the model merged elsewhere and how many experts it merged.</summary>
    public TrainAggregate Complete(IReadOnlyList<ClientFailure> failures, GlobalModel merged, int expertsMerged)
    {
        ArgumentNullException.ThrowIfNull(merged);
        if (_aggregator is not null)
        {
            throw new InvalidOperationException($"round {_round} merges its own tensors; complete it without a merged model");
        }
        int experts = _model.Layout.ExpertCount;
        if (merged.Version != _model.Version + 1 || merged.Layout.TotalLength != _model.Layout.TotalLength || merged.Layout.ExpertCount != experts)
        {
            throw new ArgumentException($"the merged model (version {merged.Version}, {merged.Layout.TotalLength} values, {merged.Layout.ExpertCount} experts) does not follow the round's model: expected version {_model.Version + 1}, {_model.Layout.TotalLength} values, {experts} experts", nameof(merged));
        }
        if (expertsMerged < 0 || expertsMerged > experts)
        {
            throw new ArgumentOutOfRangeException(nameof(expertsMerged), expertsMerged, $"experts merged must lie in [0, {experts}]");
        }
        return Complete(failures, _ => new AggregationOutcome(merged, expertsMerged, experts - expertsMerged, _merged));
    }

    private TrainAggregate Complete(IReadOnlyList<ClientFailure> failures, Func<int, AggregationOutcome> outcomeOf)
    {
        ArgumentNullException.ThrowIfNull(failures);
        if (_completed)
        {
            throw new InvalidOperationException($"round {_round} is already complete");
        }
        _completed = true;
        int sGlobal = _aboveTau.Count(b => b);
        var outcome = outcomeOf(sGlobal);
        if (_strategy.HasServerStep)
        {
            outcome = outcome with { Model = _strategy.AfterMerge(_model, outcome.Model, _statistics.Trainers, outcome.UpdatesMerged) };
        }
        _strategy.OnMerged(outcome.Model.Version, _statistics.Trainers);
        int failed = failures.Select(f => f.ClientId).Concat(_lost.Select(f => f.ClientId)).Distinct(StringComparer.Ordinal).Count();
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [RoundMetric.Accepted] = outcome.UpdatesMerged,
            [RoundMetric.Rejected] = _rejections.Count,
            [RoundMetric.Failed] = failed,
            [RoundMetric.FailureRate] = (double)failed / _plans.Count,
            [RoundMetric.TrainLoss] = _losses.Count > 0 ? _losses.Values.Sum(l => l.Loss * l.Samples) / _losses.Values.Sum(l => (double)l.Samples) : double.NaN,
            [RoundMetric.ExpertsMerged] = outcome.ExpertsMerged,
            [RoundMetric.ExpertsKept] = outcome.ExpertsKept,
            [RoundMetric.ExpertsAboveTau] = sGlobal,
            [RoundMetric.GatingUniformity] = Uniformity(_routerWeights.Values),
            [RoundMetric.ExpertBackwardPasses] = _backwardPasses,
            [RoundMetric.FailedStepRate] = _steps > 0 ? (double)_failedSteps / _steps : 0,
        };
        _statistics.WriteTo(metrics);
        return new TrainAggregate(outcome.Model, metrics, _rejections);
    }

    private void CountCompute(SparseUpdate update, bool accepted)
    {
        _statistics.Count(update, accepted);
        _steps += update.LocalSteps;
        _failedSteps += update.FailedSteps;
        _backwardPasses += update.ExpertBackwardPasses;
    }

    /// <summary>Normalised entropy of the weights; 1 when every client counts the same.</summary>
    private static double Uniformity(IEnumerable<double> weights)
    {
        var w = weights.Where(x => x > 0).ToList();
        if (w.Count <= 1)
        {
            return w.Count;
        }
        double total = w.Sum();
        double h = -w.Sum(x => x / total * Math.Log(x / total));
        return h / Math.Log(w.Count);
    }
}
