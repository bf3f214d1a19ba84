using HFedMoE.Actors.Protocol;
using HFedMoE.Model.Federated;
using Akka.Actor;

namespace HFedMoE.Actors.Aggregation;

/// <summary>
/// Merges the router (gating) parameters of every MoE layer and the shared dense parameters, which
/// travel in the same <see cref="GatingUpdate"/>, with the weights its <see cref="GatingShare"/>
/// carries (the round's strategy's), the router as <see cref="OpenRound.Gating"/> says (normalised,
/// the paper's unnormalised sum over |S_global| — counted here from the usages received — or per
/// expert column). A bare <see cref="GatingUpdate"/> is weighed as HFedMoE would: α̃(c) from
/// a_c = Σ_{e ∈ S_c} u_c(e)·s^c(e) and |D_c| for the shared parameters. The math is the Federated
/// layer's over the non-expert slice of the model. Protocol as <see cref="ExpertAggregator"/>'s,
/// answering <see cref="GatingMerged"/>.
/// </summary>
public sealed class GatingAggregator : ReceiveActor
{
    private readonly RoundState _state = new();
    // S_global = ∪_c S_c over accepted updates: the divisor of the unnormalised router sum.
    private bool[] _dominant = [];

    public GatingAggregator()
    {
        Receive<OpenRound>(Open);
        Receive<GatingUpdate>(u => Offer(u, u, null));
        Receive<GatingShare>(s => Offer(s, s.Update ?? new GatingUpdate(), s));
        Receive<FinalizeRound>(Finalize);
    }

    /// <summary>Props on the dedicated aggregation dispatcher.</summary>
    public static Props PropsFor() => ActorFactory<GatingAggregator>.Props(() => new GatingAggregator()).WithDispatcher(WorkDispatcher.RoundsId);

    private void Open(OpenRound open)
    {
        if (_state.CanOpen(open.Round) is { } problem)
        {
            Sender.Tell(new Error { Round = open.Round, ModelVersion = open.Model.Version, Reason = problem });
            return;
        }
        try
        {
            var scope = AggregationScope.ForGating(open.Model);
            _state.Begin(new ScopedRound(open, scope, open.Gating));
            _dominant = new bool[open.Model.Layout.ExpertCount];
        }
        catch (ArgumentException e)
        {
            Sender.Tell(new Error { Round = open.Round, ModelVersion = open.Model.Version, Reason = $"gating: {e.Message}" });
            return;
        }
        Sender.Tell(new AggregatorReady(open.Round, open.Model.Version));
    }

    /// <param name="message">What arrived (its digest identifies a resend).</param>
    /// <param name="share">The strategy's weights; null: HFedMoE's from the round's options.</param>
    private void Offer(Google.Protobuf.IMessage message, GatingUpdate update, GatingShare? share)
    {
        if (share is not null && WeightProblem(share) is { } bad)
        {
            Reject(update, bad);
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
        // Experts have aggregators of their own: this share of the reply carries no expert weight.
        ContributionWeights weights;
        if (share is null)
        {
            var (router, columns) = HFedMoEWeights.RouterWeight(round.Options, update.SampleCount, scoped.Usage, scoped.Importance);
            weights = new ContributionWeights(update.SampleCount, router, columns, new double[scoped.Usage.Count]);
        }
        else
        {
            weights = new ContributionWeights(share.SharedWeight, share.RouterWeight, share.RouterColumns.Count > 0 ? [.. share.RouterColumns] : null, new double[scoped.Usage.Count]);
        }
        if (round.Add(scoped, weights) is { } refusedBySums)
        {
            Reject(update, refusedBySums);
            return;
        }
        for (int e = 0; e < _dominant.Length; e++)
        {
            _dominant[e] |= scoped.Usage[e] >= round.Options.Tau;
        }
        round.Ledger.Accept(update.ClientId, digest);
        Ack(update, digest, duplicate: false);
    }

    private static string? WeightProblem(GatingShare share)
    {
        if (share.Update is null)
        {
            return "the gating share carries no update";
        }
        foreach (double w in share.RouterColumns.Prepend(share.RouterWeight).Prepend(share.SharedWeight))
        {
            if (!(w >= 0) || double.IsInfinity(w))
            {
                return $"the gating share of '{share.Update.ClientId}' has weight {w}; expected finite values ≥ 0";
            }
        }
        return null;
    }

    private static string? Problem(GatingUpdate update, ScopedRound round, out SparseUpdate scoped)
    {
        scoped = null!;
        if (round.ClientProblem(update.ClientId, update.SampleCount) is { } client)
        {
            return client;
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
        scoped = new SparseUpdate(
            update.ClientId, update.Round, update.ModelVersion, update.SampleCount,
            [.. update.Usage], [.. update.Importance], new double[round.Scope.Model.Layout.ExpertCount],
            [],
            tensors,
            Loss: 0);
        return round.Validate(scoped);
    }

    private void Finalize(FinalizeRound finalize) =>
        Sender.Tell(_state.Finalise(finalize, "gating", routerDivisor: Math.Max(1, _dominant.Count(d => d)), (round, outcome) =>
        {
            var merged = new GatingMerged
            {
                Round = round.Round,
                ModelVersion = round.ModelVersion,
                Unchanged = outcome.UpdatesMerged == 0,
                UpdatesMerged = outcome.UpdatesMerged,
            };
            if (!merged.Unchanged)
            {
                merged.Tensors.AddRange(round.MergedTensors(outcome));
            }
            return merged;
        }));

    private static SliceAccepted AckOf(GatingUpdate update, byte[] digest, bool duplicate) => new()
    {
        Round = update.Round,
        ModelVersion = update.ModelVersion,
        ClientId = update.ClientId,
        Kind = UpdateKind.Gating,
        Duplicate = duplicate,
        Digest = Google.Protobuf.ByteString.CopyFrom(digest),
    };

    private void Ack(GatingUpdate update, byte[] digest, bool duplicate) => Sender.Tell(AckOf(update, digest, duplicate));

    private void Reject(GatingUpdate update, string reason) => Sender.Tell(new SliceRejected
    {
        Round = update.Round,
        ModelVersion = update.ModelVersion,
        ClientId = update.ClientId,
        Kind = UpdateKind.Gating,
        Reason = reason,
    });
}
