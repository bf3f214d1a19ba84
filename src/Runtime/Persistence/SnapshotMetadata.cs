namespace HFedMoE.Runtime.Persistence;

/// <summary>Identifies a snapshot: the state of <see cref="PersistenceId"/> after event <see cref="SequenceNr"/>, taken at <see cref="Timestamp"/> (UTC).</summary>
public sealed record SnapshotMetadata(string PersistenceId, long SequenceNr, DateTime Timestamp);
