namespace HFedMoE.Runtime.Persistence;

/// <summary>
/// Events of one persistence id that are stored all together or not at all (one <c>Persist</c>
/// gives one event, one <c>PersistAll</c> several). Sequence numbers must be contiguous.
/// </summary>
public sealed class AtomicWrite
{
    public AtomicWrite(IReadOnlyList<PersistentRepr> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            throw new ArgumentException("an AtomicWrite needs at least one event", nameof(events));
        }
        var pid = events[0].PersistenceId;
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].PersistenceId != pid)
            {
                throw new ArgumentException($"an AtomicWrite holds one persistence id; event {i} has '{events[i].PersistenceId}', expected '{pid}'", nameof(events));
            }
            if (events[i].SequenceNr != events[0].SequenceNr + i)
            {
                throw new ArgumentException($"sequence numbers in an AtomicWrite must be contiguous; event {i} has {events[i].SequenceNr}, expected {events[0].SequenceNr + i}", nameof(events));
            }
        }
        if (events[0].SequenceNr < 1)
        {
            throw new ArgumentException($"sequence numbers start at 1, got {events[0].SequenceNr}", nameof(events));
        }
        Events = events;
    }

    public AtomicWrite(PersistentRepr evt) : this([evt])
    {
    }

    public IReadOnlyList<PersistentRepr> Events { get; }

    public string PersistenceId => Events[0].PersistenceId;

    public long LowestSequenceNr => Events[0].SequenceNr;

    public long HighestSequenceNr => Events[^1].SequenceNr;
}
