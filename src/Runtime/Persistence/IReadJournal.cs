namespace HFedMoE.Runtime.Persistence;

/// <summary>
/// Read side for tools (<c>hfedmoe replay</c>): finite queries over what is stored now.
/// Deleted events are not returned.
/// </summary>
public interface IReadJournal
{
    /// <summary>Events of <paramref name="persistenceId"/> with from ≤ seq ≤ to, in sequence order.</summary>
    IAsyncEnumerable<EventEnvelope> CurrentEventsByPersistenceId(string persistenceId, long fromSequenceNr = 1, long toSequenceNr = long.MaxValue, CancellationToken cancellationToken = default);

    /// <summary>Every persistence id that has ever stored an event, in ordinal order.</summary>
    IAsyncEnumerable<string> CurrentPersistenceIds(CancellationToken cancellationToken = default);
}
