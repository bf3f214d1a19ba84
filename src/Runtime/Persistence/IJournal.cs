namespace HFedMoE.Runtime.Persistence;

/// <summary>
/// The event journal contract (Akka's AsyncWriteJournal, as a plain async API).
/// </summary>
public interface IJournal : IAsyncDisposable
{
    /// <summary>
    /// Stores each <see cref="AtomicWrite"/> atomically. The result has one entry per write:
    /// null = stored (durable and visible to replay), an exception = <b>rejected</b> (e.g. the
    /// event could not be serialized; nothing of it was stored). If storing failed or its
    /// outcome is unknown (connection lost, duplicate sequence number from a second writer),
    /// the returned task faults instead.
    /// </summary>
    Task<IReadOnlyList<Exception?>> WriteAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Calls <paramref name="onReplayed"/> for at most <paramref name="max"/> stored, not deleted
    /// events with <paramref name="fromSequenceNr"/> ≤ seq ≤ <paramref name="toSequenceNr"/>, in
    /// sequence order. A row that cannot be deserialized faults the task with a
    /// <see cref="JournalReadException"/> naming the persistence id and sequence number.
    /// </summary>
    Task ReplayAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max, Action<PersistentRepr> onReplayed, CancellationToken cancellationToken = default);

    /// <summary>
    /// The highest sequence number ever stored for the id (0 if none), including deleted events.
    /// Waits for writes issued before the call, so a restarted writer never reuses numbers.
    /// </summary>
    Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr = 0, CancellationToken cancellationToken = default);

    /// <summary>Deletes all events with seq ≤ <paramref name="toSequenceNr"/>; the highest sequence number is kept.</summary>
    Task DeleteToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default);
}
