namespace HFedMoE.Runtime.Persistence;

/// <summary>Tuning shared by every journal (HOCON: hfedmoe.persistence.journal.&lt;plugin&gt;).</summary>
public sealed record JournalOptions
{
    /// <summary>Most events written in one transaction; concurrent writes from many actors are grouped up to this.</summary>
    public int MaxBatchSize { get; init; } = 1000;

    /// <summary>Rows read per query during replay.</summary>
    public int ReplayBatchSize { get; init; } = 1000;

    /// <summary>Create tables and indexes on first use when missing.</summary>
    public bool AutoInitialize { get; init; } = true;

    /// <summary>SQLite only: <c>PRAGMA synchronous</c> (FULL: every commit fsyncs the WAL; NORMAL: safe against process crash, may lose the last commits on power loss).</summary>
    public string SqliteSynchronous { get; init; } = "FULL";

    internal void Validate()
    {
        if (MaxBatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBatchSize), MaxBatchSize, "max-batch-size must be ≥ 1");
        }
        if (ReplayBatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ReplayBatchSize), ReplayBatchSize, "replay-batch-size must be ≥ 1");
        }
        if (SqliteSynchronous.ToUpperInvariant() is not ("FULL" or "NORMAL" or "EXTRA"))
        {
            throw new ArgumentOutOfRangeException(nameof(SqliteSynchronous), SqliteSynchronous, "synchronous must be FULL, NORMAL or EXTRA");
        }
    }
}
