using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Rounds;

// The round manager's journal: protobuf messages generated from Protos/events.proto, stored by
// Akka.Persistence.Sql through our ProtobufMessageSerializer under their protobuf names. These
// partial declarations add the positional constructors the manager writes them with.

/// <summary>A round opened with these participants (in order) and the digests of their plans.</summary>
public sealed partial class RoundStarted
{
    public RoundStarted(int round, int modelVersion, IEnumerable<string> participants, IEnumerable<string> planDigests)
        : this()
    {
        Round = round;
        ModelVersion = modelVersion;
        Participants.AddRange(participants);
        PlanDigests.AddRange(planDigests);
    }
}

/// <summary>A participant's update is in the spool under <see cref="Digest"/>; from here on it counts.</summary>
public sealed partial class UpdateAccepted
{
    public UpdateAccepted(int round, string clientId, string digest)
        : this()
    {
        Round = round;
        ClientId = clientId;
        Digest = digest;
    }
}

/// <summary>A participant left (stopped, or missed the deadline); experts only it trained keep their weights.</summary>
public sealed partial class ClientDropped
{
    public ClientDropped(int round, string clientId, string reason)
        : this()
    {
        Round = round;
        ClientId = clientId;
        Reason = reason;
    }
}

/// <summary>The deadline passed without a quorum and the round was given one more.</summary>
public sealed partial class DeadlineExtended
{
    public DeadlineExtended(int round, int extension)
        : this()
    {
        Round = round;
        Extension = extension;
    }
}

/// <summary>The round's merge: the new model is in the spool under <see cref="ModelDigest"/>; <see cref="Dropped"/> did not contribute.</summary>
public sealed partial class RoundCommitted
{
    public RoundCommitted(int round, int modelVersion, string modelDigest, IEnumerable<KeyValuePair<string, double>> metrics, IEnumerable<string> dropped)
        : this()
    {
        ArgumentNullException.ThrowIfNull(metrics);
        Round = round;
        ModelVersion = modelVersion;
        ModelDigest = modelDigest;
        foreach (var (name, value) in metrics)
        {
            Metrics.Add(name, value);
        }
        Dropped.AddRange(dropped);
    }
}

/// <summary>The round ended without a quorum (or could not be merged); the global model is unchanged.</summary>
public sealed partial class RoundClosedIncomplete
{
    public RoundClosedIncomplete(int round, string reason)
        : this()
    {
        Round = round;
        Reason = reason;
    }
}

/// <summary>A client registered by message: its profile and the path its actor had.</summary>
public sealed partial class ClientRegistered
{
    public ClientRegistered(ClientProfile profile, string actorPath)
        : this()
    {
        ArgumentNullException.ThrowIfNull(profile);
        ClientId = profile.ClientId;
        SampleCount = profile.SampleCount;
        if (profile.ComputeCap is { } cap)
        {
            ComputeCap = cap;
        }
        if (profile.Tier is { } tier)
        {
            Tier = tier;
        }
        ActorPath = actorPath;
    }

    public ClientProfile Profile => new(ClientId, SampleCount, HasComputeCap ? ComputeCap : null, HasTier ? Tier : null);
}

/// <summary>State between rounds (snapshots are only taken with no round open).</summary>
public sealed partial class RoundManagerSnapshot
{
    public RoundManagerSnapshot(int nextRound, int modelVersion, string? modelDigest)
        : this()
    {
        NextRound = nextRound;
        ModelVersion = modelVersion;
        if (modelDigest is not null)
        {
            ModelDigest = modelDigest;
        }
    }

    /// <summary>The committed model's digest, or null before the first commit.</summary>
    public string? ModelDigestOrNull => HasModelDigest ? ModelDigest : null;
}
