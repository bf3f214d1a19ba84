using HFedMoE.Model.Federated;
using Akka.Actor;

namespace HFedMoE.Actors.Rounds;

// The round protocol, as records; their wire forms (messages.proto) are written by
// Serialization/RoundProtocolSerializer, bound in hocon/reference.conf.

/// <summary>
/// Adds a client the next rounds may sample; the round manager watches it, and journals the
/// profile and the actor's path (a restarted manager finds it again by that path, or when it
/// registers again). A client that owes an update in the open round gets its plan.
/// </summary>
public sealed record RegisterClient(ClientProfile Profile, IActorRef Client);

/// <summary>
/// Removes a client now, as if its actor had stopped (its node became unreachable or left the
/// cluster): an update it owes the open round is recorded as dropped with <paramref name="Reason"/>.
/// A client that comes back registers again.
/// </summary>
public sealed record DropClient(string ClientId, string Reason) : INoSerializationVerificationNeeded;

/// <summary>Opens the next round. Replies <see cref="RoundOpened"/> or <see cref="RoundNotStarted"/>.</summary>
public sealed record StartRound
{
    public static StartRound Instance { get; } = new();
}

public sealed record RoundOpened(int Round, int ModelVersion, IReadOnlyList<string> Participants);

/// <summary><paramref name="OpenRound"/>: the round already open, if that is the reason.</summary>
public sealed record RoundNotStarted(string Reason, int? OpenRound = null);

/// <summary>
/// A participant's plan. <paramref name="Global"/> is passed by reference in process (a known
/// shortcut: with remoting it becomes the plan's tensors, see round.proto's RoundPlan).
/// </summary>
public sealed record TrainRound(TrainPlan Plan, GlobalModel Global);

/// <summary>A client's reply to <see cref="TrainRound"/>. Replies <see cref="UpdateAck"/> or <see cref="UpdateRejected"/>.</summary>
public sealed record SubmitUpdate(SparseUpdate Update);

/// <summary>The update is durable (spooled and its digest journaled); a resend of the same update gets the same ack.</summary>
public sealed record UpdateAck(int Round, string ClientId, string Digest);

public sealed record UpdateRejected(int Round, string ClientId, string Reason);

/// <summary>
/// A participant's reply to <see cref="TrainRound"/> when its training threw: the round records it
/// as dropped with <paramref name="Reason"/> at once, instead of waiting for the deadline, and the
/// client stays registered for the next rounds. Counts only from the actor registered as
/// <paramref name="ClientId"/>, for the open round.
/// </summary>
public sealed record TrainingFailed(int Round, string ClientId, string Reason);

/// <summary>The sender receives <see cref="RoundCompleted"/> and <see cref="RoundClosed"/> from now on.</summary>
public sealed record SubscribeRounds(IActorRef Subscriber);

/// <summary>Published when a round's merge is committed: the new global model and the round's metrics.</summary>
public sealed record RoundCompleted(int Round, GlobalModel Model, string ModelDigest, IReadOnlyDictionary<string, double> Metrics, IReadOnlyList<string> Dropped);

/// <summary>Published when a round ended without a quorum; the global model did not change.</summary>
public sealed record RoundClosed(int Round, string Reason);

/// <summary>
/// Published after the round manager recovered a non-empty journal (a restart): the round it
/// resumed, if any, and the outcome of the last finished round (<see cref="RoundCompleted"/> or
/// <see cref="RoundClosed"/>) again, since the restart may have come between journaling that
/// outcome and publishing it. Subscribers must therefore ignore outcomes they already have.
/// </summary>
public sealed record RoundManagerRecovered(int? OpenRound, int NextRound, object? LastOutcome);

/// <summary>Replies <see cref="RoundStatus"/>.</summary>
public sealed record GetRoundStatus
{
    public static GetRoundStatus Instance { get; } = new();
}

/// <summary><paramref name="OpenRound"/> is null between rounds. <paramref name="Clients"/>: the registered clients the manager can reach, in id order.</summary>
public sealed record RoundStatus(int? OpenRound, int NextRound, GlobalModel Model, IReadOnlyList<string> Accepted, IReadOnlyList<string> Dropped, int DeadlineExtensions, IReadOnlyList<string>? Clients = null);

/// <summary>Timer message: the deadline of <paramref name="Round"/> (attempt <paramref name="Extension"/>) passed.</summary>
internal sealed record RoundDeadline(int Round, int Extension) : INoSerializationVerificationNeeded;
