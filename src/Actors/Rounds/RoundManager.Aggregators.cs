using Akka.Actor;
using Akka.Event;
using HFedMoE.Actors.Aggregation;
using HFedMoE.Actors.Protocol;
using HFedMoE.Actors.Registry;
using HFedMoE.Model.Federated;
using Error = HFedMoE.Actors.Protocol.Error;

namespace HFedMoE.Actors.Rounds;

/// <summary>
/// The round's merge through the aggregator actors, for every <see cref="ExpertBudgetStrategy"/>
/// (all of <see cref="StrategyFactory"/>'s): the strategy's <see cref="DelegatedMerge"/> validates
/// each accepted update, counts it for the round's metrics and returns the weights it merges with;
/// the update is split and every share travels with its weight — each expert's to that expert's
/// aggregator, router and shared tensors to the gating aggregator — so the tensors are summed once,
/// in the actors, and the manager holds no model-sized sums. Any other
/// <see cref="IFederatedStrategy"/> merges inside the manager through its <see cref="IRoundAggregation"/>.
/// </summary>
public sealed partial class RoundManager
{
    /// <summary>How often one round's aggregators are rebuilt after one stops before the round is failed.</summary>
    internal const int MaxAggregatorRebuilds = 3;

    /// <summary>
    /// A failed aggregator is stopped, never restarted: a restart would silently lose the sums it
    /// held. Its stop makes the manager rebuild the round's aggregators from the spool.
    /// </summary>
    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

    private void ReceiveAggregatorAnswers()
    {
        Command<AggregatorReady>(_ => { });
        Command<SliceAccepted>(_ => { });
        Command<SliceRejected>(r => OnAggregatorProblem($"the aggregator of {SliceName(r)} refused the share of '{r.ClientId}': {r.Reason}"));
        Command<Error>(e =>
        {
            if (IsRegistry(Sender))
            {
                OnRegistryError(e);
                return;
            }
            OnAggregatorProblem($"an aggregator answered with an error: {e.Reason}");
        });
        Command<ExpertMerged>(m => OnMerged(a => a.Record(m, _model.Version)));
        Command<GatingMerged>(m => OnMerged(a => a.Record(m, _model.Version)));
        Command<GetAggregators>(_ => Sender.Tell(_open?.Aggregators is { } a
            ? new AggregatorsOfRound(a.Round, a.Generation, a.Experts, a.Gating)
            : new AggregatorsOfRound(null, -1, new Dictionary<(int, int), IActorRef>(), null)));
    }

    private static string SliceName(SliceRejected r) => r.Kind == UpdateKind.Gating ? "the gating parameters" : $"layer {r.Layer} expert {r.Expert}";

    /// <summary>
    /// Starts the round's merge: the strategy's delegated merge and a fresh set of aggregator
    /// actors, or, for a strategy that can only merge itself, its <see cref="IRoundAggregation"/>.
    /// </summary>
    private void BeginMerge(OpenRound open, IReadOnlyList<TrainPlan> plans, IReadOnlyList<ClientProfile> profiles)
    {
        // A strategy with a server step needs the whole merged model: it merges in the manager.
        if (_strategy is ExpertBudgetStrategy { HasServerStep: false } delegating)
        {
            open.Begin(plans, delegating.BeginDelegatedMerge(open.Round), _model, profiles, _strategy.Options.ValueBound);
            open.Aggregators = SpawnAggregators(open, generation: 0);
            return;
        }
        open.Begin(plans, _strategy.BeginAggregateTrain(open.Round), _model, profiles, _strategy.Options.ValueBound);
    }

    private RoundAggregators SpawnAggregators(OpenRound open, int generation)
    {
        var layout = _model.Layout;
        // Names carry the round and generation: a stopped set's names are freed only once its
        // stops are processed, and the next set must not wait for that.
        string prefix = $"round-{open.Round}-gen-{generation}";
        var experts = new Dictionary<(int Layer, int Expert), IActorRef>();
        for (int l = 0; l < layout.Layers; l++)
        {
            for (int e = 0; e < layout.ExpertsPerLayer; e++)
            {
                experts[(l, e)] = Context.ActorOf(AggregatorProps((l, e)), $"{prefix}-expert-{l}-{e}");
            }
        }
        var gating = Context.ActorOf(AggregatorProps(null), $"{prefix}-gating");
        var set = new RoundAggregators(open.Round, generation, experts, gating);
        var opening = Aggregation.OpenRound.For(open.Round, _model, open.Plans, open.Profiles, _strategy.Options, open.Delegated!);
        foreach (var a in set.All)
        {
            Context.Watch(a);
            a.Tell(opening, Self);
        }
        return set;
    }

    private Props AggregatorProps((int Layer, int Expert)? slot) =>
        _aggregatorProps?.Invoke(slot)
        ?? (slot is { } s ? ExpertAggregator.PropsFor(s.Layer, s.Expert) : GatingAggregator.PropsFor());

    /// <summary>Counts an accepted update in the round (live, or replayed from the spool after a restart).</summary>
    private void Merge(OpenRound open, SparseUpdate update)
    {
        open.Importance[update.ClientId] = update.Importance;
        if (open.Delegated is not { } delegated)
        {
            if (open.Aggregation!.Offer(update) is { } refusedHere)
            {
                // It passed validation before it was journaled, so this means the spool or the strategy changed.
                Log.Error($"round {open.Round}: the merge refused the accepted update of '{update.ClientId}': {refusedHere.Reason}");
            }
            return;
        }
        if (delegated.Offer(update, out var weights) is { } refused)
        {
            Log.Error($"round {open.Round}: the merge refused the accepted update of '{update.ClientId}': {refused.Reason}");
        }
        // No weights: the strategy does not merge this update (e.g. a FedAvg-Naive device over budget).
        if (weights is not null)
        {
            open.Weights[update.ClientId] = weights;
            Route(open.Aggregators!, update, weights);
        }
    }

    private void Route(RoundAggregators aggregators, SparseUpdate update, ContributionWeights weights)
    {
        var routed = SparseUpdateCodec.Shares(update, _model.Layout, weights);
        foreach (var share in routed.Experts)
        {
            aggregators.ExpertAt(share.Update.Layer, share.Update.Expert).Tell(share, Self);
        }
        aggregators.Gating.Tell(routed.Gating, Self);
    }

    private void Finalise(RoundAggregators aggregators)
    {
        aggregators.Finalising = true;
        var finalize = new FinalizeRound { Round = aggregators.Round, ModelVersion = _model.Version };
        foreach (var a in aggregators.All)
        {
            a.Tell(finalize, Self);
        }
    }

    /// <summary>The current round's aggregators, if <paramref name="sender"/> is one of them (answers from replaced sets are ignored).</summary>
    private (OpenRound Open, RoundAggregators Aggregators)? CurrentAggregators(IActorRef sender) =>
        _open is { Aggregators: { } a, Closing: false } open && a.IsMember(sender) ? (open, a) : null;

    /// <summary>An aggregator's merged slice during finalising; <paramref name="record"/> stores it and returns a problem, if any.</summary>
    private void OnMerged(Func<RoundAggregators, string?> record)
    {
        if (CurrentAggregators(Sender) is not var (open, aggregators) || !aggregators.Finalising)
        {
            return;
        }
        if (record(aggregators) is { } problem)
        {
            FailMerge(open, problem);
            return;
        }
        CompleteIfMerged(open, aggregators);
    }

    private void CompleteIfMerged(OpenRound open, RoundAggregators aggregators)
    {
        if (!aggregators.Complete || open.Pending is not { } pending)
        {
            return;
        }
        int merged = aggregators.GatingResult!.UpdatesMerged;
        if (merged != open.Weights.Count)
        {
            FailMerge(open, $"the gating aggregator merged {merged} updates; {open.Weights.Count} were sent to it");
            return;
        }
        // The tensors' owners say which experts changed; every other metric is the strategy's.
        int expertsMerged = aggregators.ExpertsMerged;
        var delegated = open.Delegated!;
        var apply = new ApplyRound(open.Round, _model.Version, [.. aggregators.ExpertResults], aggregators.GatingResult, ImportanceOf(open));
        StopAggregators(open);
        // Done with them: a late answer from this set must not end the round while the registry commits it.
        open.Aggregators = null;
        ApplyThroughRegistry(open, apply, model => delegated.Complete(pending.Failures, model, expertsMerged));
    }

    private void OnAggregatorProblem(string problem)
    {
        if (CurrentAggregators(Sender) is var (open, _))
        {
            FailMerge(open, problem);
        }
    }

    /// <summary>An aggregator of the current set stopped mid-round: its sums are gone, so the whole set is rebuilt and the spooled updates routed again.</summary>
    private void OnAggregatorStopped(OpenRound open, RoundAggregators old)
    {
        if (open.AggregatorRebuilds >= MaxAggregatorRebuilds)
        {
            FailMerge(open, $"an aggregator stopped {open.AggregatorRebuilds + 1} times");
            return;
        }
        open.AggregatorRebuilds++;
        Log.Warning($"round {open.Round}: an aggregator stopped; rebuilding the aggregators (generation {old.Generation + 1}) from the {open.AcceptedByClient.Count} spooled updates");
        StopAggregators(open);
        var fresh = SpawnAggregators(open, old.Generation + 1);
        open.Aggregators = fresh;
        foreach (var (client, digest) in open.AcceptedInOrder)
        {
            // Weights as the strategy gave them when the update was accepted; none: it is not merged.
            if (open.Weights.TryGetValue(client, out var weights))
            {
                Route(fresh, Digests.DeserializeUpdate(_spool.Get(digest)), weights);
            }
        }
        if (old.Finalising)
        {
            Finalise(fresh);
        }
    }

    /// <summary>The aggregators cannot produce this round's model: the round ends incomplete (model unchanged) rather than commit a wrong one.</summary>
    private void FailMerge(OpenRound open, string problem)
    {
        Log.Error($"round {open.Round}: the aggregators could not merge the round: {problem}");
        Close(open, $"the aggregators could not merge the round: {problem}");
    }

    private static void StopAggregators(OpenRound open)
    {
        if (open.Aggregators is not { } aggregators)
        {
            return;
        }
        foreach (var a in aggregators.All)
        {
            Context.Unwatch(a);
            Context.Stop(a);
        }
    }
}

/// <summary>Asks the round manager for its current aggregators (tests and diagnostics); replies <see cref="AggregatorsOfRound"/>.</summary>
internal sealed record GetAggregators : INoSerializationVerificationNeeded
{
    public static GetAggregators Instance { get; } = new();
}

/// <summary>The open round's aggregators (<paramref name="Round"/> null and none when no round merges through actors).</summary>
internal sealed record AggregatorsOfRound(int? Round, int Generation, IReadOnlyDictionary<(int Layer, int Expert), IActorRef> Experts, IActorRef? Gating) : INoSerializationVerificationNeeded;
