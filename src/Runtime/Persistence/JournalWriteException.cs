namespace HFedMoE.Runtime.Persistence;

/// <summary>
/// Storing events failed or its outcome is unknown (Akka's "persist failure", as opposed to a
/// rejection). A duplicate (persistence id, sequence number) — two writers for one id — ends here.
/// </summary>
public sealed class JournalWriteException : Exception
{
    public JournalWriteException()
    {
    }

    public JournalWriteException(string message) : base(message)
    {
    }

    public JournalWriteException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>True when the database refused a duplicate (persistence id, sequence number).</summary>
    public bool IsSequenceConflict { get; init; }
}
