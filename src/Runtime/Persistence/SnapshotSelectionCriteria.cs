namespace HFedMoE.Runtime.Persistence;

/// <summary>
/// Which snapshots a load or delete may pick: sequence number and timestamp bounds, all
/// inclusive. Loading picks the youngest (highest sequence number) that matches.
/// </summary>
public sealed record SnapshotSelectionCriteria(
    long MaxSequenceNr,
    DateTime MaxTimestamp,
    long MinSequenceNr = 0,
    DateTime MinTimestamp = default)
{
    /// <summary>The newest snapshot (the default for recovery).</summary>
    public static SnapshotSelectionCriteria Latest { get; } = new(long.MaxValue, DateTime.MaxValue);

    /// <summary>No snapshot: recovery replays every event.</summary>
    public static SnapshotSelectionCriteria None { get; } = new(0, DateTime.MinValue);

    public bool Matches(SnapshotMetadata m) =>
        m.SequenceNr <= MaxSequenceNr && m.SequenceNr >= MinSequenceNr
        && m.Timestamp <= MaxTimestamp && m.Timestamp >= MinTimestamp;
}
