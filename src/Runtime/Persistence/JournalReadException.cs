namespace HFedMoE.Runtime.Persistence;

/// <summary>A stored event could not be read back (unknown manifest or serializer, corrupt bytes).</summary>
public sealed class JournalReadException : Exception
{
    public JournalReadException(string persistenceId, long sequenceNr, string detail, Exception? cause)
        : base($"cannot read event {sequenceNr} of persistence id '{persistenceId}': {detail}{(cause is null ? "" : ": " + cause.Message)}", cause)
    {
        PersistenceId = persistenceId;
        SequenceNr = sequenceNr;
    }

    public JournalReadException()
    {
        PersistenceId = string.Empty;
    }

    public JournalReadException(string message) : base(message)
    {
        PersistenceId = string.Empty;
    }

    public JournalReadException(string message, Exception innerException) : base(message, innerException)
    {
        PersistenceId = string.Empty;
    }

    public string PersistenceId { get; }

    public long SequenceNr { get; }
}
