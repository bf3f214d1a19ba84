namespace HFedMoE.Actors.Rounds;

// The round manager's journal. Plain records serialized by the persistence layer's JSON
// fallback for this slice; they move to protobuf with the remoting issue (renaming one of these
// types orphans stored events until then).

/// <summary>A round opened with these participants (in order) and the digests of their plans.</summary>
public sealed record RoundStarted(int Round, int ModelVersion, string[] Participants, string[] PlanDigests);

/// <summary>A participant's update is in the spool under <paramref name="Digest"/>; from here on it counts.</summary>
public sealed record UpdateAccepted(int Round, string ClientId, string Digest);

/// <summary>A participant left (stopped, or missed the deadline); experts only it trained keep their weights.</summary>
public sealed record ClientDropped(int Round, string ClientId, string Reason);

/// <summary>The deadline passed without a quorum and the round was given one more.</summary>
public sealed record DeadlineExtended(int Round, int Extension);

/// <summary>The round's merge: the new model is in the spool under <paramref name="ModelDigest"/>; <paramref name="Dropped"/> did not contribute.</summary>
public sealed record RoundCommitted(int Round, int ModelVersion, string ModelDigest, Dictionary<string, double> Metrics, string[] Dropped);

/// <summary>The round ended without a quorum; the global model is unchanged.</summary>
public sealed record RoundClosedIncomplete(int Round, string Reason);

/// <summary>State between rounds (snapshots are only taken with no round open).</summary>
public sealed record RoundManagerSnapshot(int NextRound, int ModelVersion, string? ModelDigest);
