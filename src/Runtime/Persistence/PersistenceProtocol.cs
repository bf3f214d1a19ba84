namespace HFedMoE.Runtime.Persistence;

/// <summary>Delivered to the recovery handlers once recovery is done (always, even for a new id), before any stashed command.</summary>
public sealed record RecoveryCompleted
{
    public static RecoveryCompleted Instance { get; } = new();

    private RecoveryCompleted()
    {
    }
}

/// <summary>Offered to the recovery handlers when recovery starts from a snapshot; only newer events follow.</summary>
public sealed record SnapshotOffer(SnapshotMetadata Metadata, object Snapshot);

/// <summary>Reply to <c>SaveSnapshot</c>.</summary>
public sealed record SaveSnapshotSuccess(SnapshotMetadata Metadata);

/// <summary>Reply to <c>SaveSnapshot</c> when the store failed.</summary>
public sealed record SaveSnapshotFailure(SnapshotMetadata Metadata, Exception Cause);

/// <summary>Reply to <c>DeleteSnapshot</c>.</summary>
public sealed record DeleteSnapshotSuccess(SnapshotMetadata Metadata);

public sealed record DeleteSnapshotFailure(SnapshotMetadata Metadata, Exception Cause);

/// <summary>Reply to <c>DeleteSnapshots</c>.</summary>
public sealed record DeleteSnapshotsSuccess(SnapshotSelectionCriteria Criteria);

public sealed record DeleteSnapshotsFailure(SnapshotSelectionCriteria Criteria, Exception Cause);

/// <summary>Reply to <c>DeleteMessages</c>: events up to <see cref="ToSequenceNr"/> are gone.</summary>
public sealed record DeleteMessagesSuccess(long ToSequenceNr);

public sealed record DeleteMessagesFailure(Exception Cause, long ToSequenceNr);

/// <summary>
/// How a persistent actor recovers: from the youngest snapshot matching <see cref="FromSnapshot"/>,
/// then events up to <see cref="ToSequenceNr"/>, at most <see cref="ReplayMax"/> of them.
/// </summary>
public sealed record Recovery(SnapshotSelectionCriteria FromSnapshot, long ToSequenceNr = long.MaxValue, long ReplayMax = long.MaxValue)
{
    /// <summary>Latest snapshot plus every later event.</summary>
    public static Recovery Default { get; } = new(SnapshotSelectionCriteria.Latest);

    /// <summary>No snapshot, no events (the sequence number still continues after the stored ones).</summary>
    public static Recovery None { get; } = new(SnapshotSelectionCriteria.None, 0);
}

/// <summary>No replayed event arrived within the plugin's <c>recovery-event-timeout</c>.</summary>
public sealed class RecoveryTimedOutException : Exception
{
    public RecoveryTimedOutException()
    {
    }

    public RecoveryTimedOutException(string message) : base(message)
    {
    }

    public RecoveryTimedOutException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
