namespace HFedMoE.Runtime.Persistence;

/// <summary>One stored event, as the journal tables hold it (serialized, tags joined by ';').</summary>
internal sealed record JournalRow(
    string PersistenceId,
    long SequenceNr,
    long CreatedTicks,
    int SerializerId,
    string Manifest,
    byte[] Payload,
    string WriterUuid,
    string? Tags,
    long Ordering = 0);
