namespace HFedMoE.Runtime.Persistence;

/// <summary>
/// One journaled event: its payload plus the identity the journal keys it by. Sequence numbers
/// start at 1 and are contiguous per <see cref="PersistenceId"/>.
/// </summary>
/// <param name="WriterUuid">identifies the actor incarnation that wrote it (diagnoses two writers on one id).</param>
/// <param name="Timestamp">UTC write time; set by the journal on write, read back on replay.</param>
public sealed record PersistentRepr(
    string PersistenceId,
    long SequenceNr,
    object Payload,
    string WriterUuid = "",
    DateTime Timestamp = default,
    IReadOnlyList<string>? Tags = null);
