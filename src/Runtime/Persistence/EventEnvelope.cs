namespace HFedMoE.Runtime.Persistence;

/// <summary>An event as the read side returns it. <see cref="Offset"/> is the journal's global ordering.</summary>
public sealed record EventEnvelope(
    long Offset,
    string PersistenceId,
    long SequenceNr,
    object Event,
    DateTime Timestamp,
    IReadOnlyList<string> Tags);
