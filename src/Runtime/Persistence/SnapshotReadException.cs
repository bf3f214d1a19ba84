namespace HFedMoE.Runtime.Persistence;

/// <summary>A stored snapshot could not be deserialized.</summary>
public sealed class SnapshotReadException : Exception
{
    public SnapshotReadException(string persistenceId, long sequenceNr, string detail, Exception? cause)
        : base($"cannot read snapshot at sequence number {sequenceNr} of persistence id '{persistenceId}': {detail}{(cause is null ? "" : ": " + cause.Message)}", cause)
    {
    }

    public SnapshotReadException()
    {
    }

    public SnapshotReadException(string message) : base(message)
    {
    }

    public SnapshotReadException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
