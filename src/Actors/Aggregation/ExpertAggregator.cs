using HFedMoE.Actors.Protocol;
using HFedMoE.Model.Federated;
using Akka.Actor;

namespace HFedMoE.Actors.Aggregation;

/// <summary>
/// Merges the updates of one expert (MoE layer <c>layer</c>, expert <c>expert</c> within it) as
/// they stream in, each with the weight its <see cref="ExpertShare"/> carries (the round's
/// strategy's w_c(e)); a bare <see cref="ExpertUpdate"/> is weighed by HFedMoE's
/// w_c(e) = |D_c|·1[u_c(e) ≥ τ and trained] under the round's options. The math is
/// the Federated layer's (<see cref="UpdateValidator"/>, <see cref="StreamingAggregator"/>) over
/// this expert's slice of the model, so the result is bit-identical to the whole-model merge in
/// any arrival order. Protocol: <see cref="OpenRound"/> → <see cref="AggregatorReady"/>;
/// <see cref="ExpertShare"/> or <see cref="ExpertUpdate"/> → <see cref="SliceAccepted"/> or <see cref="SliceRejected"/>;
/// <see cref="FinalizeRound"/> → <see cref="ExpertMerged"/>; problems with a round → <see cref="Error"/>.
/// </summary>
public sealed class ExpertAggregator : ReceiveActor
{
    private readonly int _layer;
    private readonly int _expert;
    private readonly RoundState _state = new();
    private int _globalId;

    public ExpertAggregator(int layer, int expert)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfNegative(expert);
        _layer = layer;
        _expert = expert;
        Receive<OpenRound>(Open);
        Receive<ExpertUpdate>(u => Offer(u, u, weight: null));
        Receive<ExpertShare>(s =>
        {
            if (s.Update is null)
            {
                Reject(new ExpertUpdate { Layer = _layer, Expert = _expert }, "the expert share carries no update");
                return;
            }
            Offer(s, s.Update, s.Weight);
        });
        Receive<FinalizeRound>(Finalize);
    }

    /// <summary>Props on the dedicated aggregation dispatcher.</summary>
    public static Props PropsFor(int layer, int expert) =>
        ActorFactory<ExpertAggregator>.Props(() => new ExpertAggregator(layer, expert)).WithDispatcher(WorkDispatcher.RoundsId);

    private void Open(OpenRound open)
    {
        if (_state.CanOpen(open.Round) is { } problem)
        {
            Sender.Tell(new Error { Round = open.Round, ModelVersion = open.Model.Version, Reason = problem });
            return;
        }
        try
        {
            var scope = AggregationScope.ForExpert(open.Model, _layer, _expert);
            _state.Begin(new ScopedRound(open, scope, RouterMerge.Normalised));
            _globalId = _layer * open.Model.Layout.ExpertsPerLayer + _expert;
        }
        catch (ArgumentException e)
        {
            Sender.Tell(new Error { Round = open.Round, ModelVersion = open.Model.Version, Reason = $"layer {_layer} expert {_expert}: {e.Message}" });
            return;
        }
        Sender.Tell(new AggregatorReady(open.Round, open.Model.Version));
    }

    /// <param name="message">What arrived (its digest identifies a resend).</param>
    /// <param name="weight">The strategy's weight; null: HFedMoE's from the round's options.</param>
    private void Offer(Google.Protobuf.IMessage message, ExpertUpdate update, double? weight)
    {
        if (update.Layer != _layer || update.Expert != _expert)
        {
            Reject(update, $"update for layer {update.Layer} expert {update.Expert} reached the aggregator of layer {_layer} expert {_expert}");
            return;
        }
        if (weight is { } w && (!(w >= 0) || double.IsInfinity(w)))
        {
            Reject(update, $"the share of '{update.ClientId}' has weight {w}; expected a finite value ≥ 0");
            return;
        }
        var digest = UpdateLedger.Digest(message);
        var admission = _state.Admit(update.Round, update.ClientId, digest);
        if (admission.IsDuplicate)
        {
            Ack(update, digest, duplicate: true);
            return;
        }
        if (admission.Reason is { } refused)
        {
            Reject(update, refused);
            return;
        }
        var round = _state.Open!;
        if (Problem(update, round, out var scoped) is { } problem)
        {
            Reject(update, problem);
            return;
        }
        var weights = new double[round.Scope.ExpertId + 1];
        weights[round.Scope.ExpertId] = weight ?? HFedMoEWeights.ExpertWeight(round.Options, update.SampleCount, update.Usage, update.Trained);
        if (round.Add(scoped, new ContributionWeights(0, 0, null, weights)) is { } refusedBySums)
        {
            Reject(update, refusedBySums);
            return;
        }
        round.Ledger.Accept(update.ClientId, digest);
        Ack(update, digest, duplicate: false);
    }

    /// <summary>Everything that keeps an update out of the sums, first problem first; else the scoped update.</summary>
    private string? Problem(ExpertUpdate update, ScopedRound round, out SparseUpdate scoped)
    {
        scoped = null!;
        if (round.ClientProblem(update.ClientId, update.SampleCount) is { } client)
        {
            return client;
        }
        var plan = round.PlanOf(update.ClientId);
        bool assigned = plan.ExpertBudget > 0 && (plan.AssignedExperts is null || plan.AssignedExperts.Contains(_globalId));
        if (update.Trained && !assigned)
        {
            return $"expert {_expert} of layer {_layer} (id {_globalId}) was not assigned to client '{update.ClientId}' in round {round.Round}";
        }
        if (!update.Trained && update.Tensors.Count > 0)
        {
            return $"the update says expert {_expert} of layer {_layer} was not trained but carries {update.Tensors.Count} tensors";
        }
        List<UpdateTensor> tensors;
        try
        {
            tensors = TensorCodec.DecodeAll(update.Tensors);
        }
        catch (InvalidDataException e)
        {
            return e.Message;
        }
        int local = round.Scope.ExpertId;
        var usage = new double[local + 1];
        var importance = new double[local + 1];
        usage[local] = update.Usage;
        importance[local] = update.Importance;
        scoped = new SparseUpdate(
            update.ClientId, update.Round, update.ModelVersion, update.SampleCount,
            usage, importance, new double[local + 1],
            update.Trained ? [local] : [],
            tensors,
            Loss: 0);
        return round.Validate(scoped);
    }

    private void Finalize(FinalizeRound finalize) =>
        Sender.Tell(_state.Finalise(finalize, $"layer {_layer} expert {_expert}", routerDivisor: 1.0, (round, outcome) =>
        {
            var merged = new ExpertMerged
            {
                Round = round.Round,
                ModelVersion = round.ModelVersion,
                Layer = _layer,
                Expert = _expert,
                Unchanged = outcome.ExpertsMerged == 0,
                UpdatesMerged = outcome.UpdatesMerged,
            };
            if (!merged.Unchanged)
            {
                merged.Tensors.AddRange(round.MergedTensors(outcome));
            }
            return merged;
        }));

    private void Ack(ExpertUpdate update, byte[] digest, bool duplicate) => Sender.Tell(new SliceAccepted
    {
        Round = update.Round,
        ModelVersion = update.ModelVersion,
        ClientId = update.ClientId,
        Kind = UpdateKind.Expert,
        Layer = _layer,
        Expert = _expert,
        Duplicate = duplicate,
        Digest = Google.Protobuf.ByteString.CopyFrom(digest),
    });

    private void Reject(ExpertUpdate update, string reason) => Sender.Tell(new SliceRejected
    {
        Round = update.Round,
        ModelVersion = update.ModelVersion,
        ClientId = update.ClientId,
        Kind = UpdateKind.Expert,
        Layer = update.Layer,
        Expert = update.Expert,
        Reason = reason,
    });
}
