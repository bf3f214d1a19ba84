using HFedMoE.Runtime.Persistence;

namespace HFedMoE.Runtime.Tests.Persistence;

public sealed class InMemoryPersistenceSpec : PersistenceSpec
{
    private InMemoryJournal? _journal;

    // Both "writers" share one store, like two actors on one in-memory journal.
    protected override IJournal OpenJournal() => new SharedJournal(_journal ??= new InMemoryJournal(Serializers));

    protected override ISnapshotStore OpenSnapshotStore() => new InMemorySnapshotStore(Serializers);

    protected override Task CorruptEventAsync(string persistenceId, long sequenceNr, string manifest, byte[] payload)
    {
        _journal!.Corrupt(persistenceId, sequenceNr, manifest, payload);
        return Task.CompletedTask;
    }

    protected override async Task DropStoreAsync()
    {
        if (_journal is not null)
        {
            await _journal.DisposeAsync();
        }
    }

    /// <summary>A handle whose disposal leaves the shared journal open (the spec disposes every handle it opens).</summary>
    private sealed class SharedJournal(InMemoryJournal inner) : IJournal, IReadJournal
    {
        public Task<IReadOnlyList<Exception?>> WriteAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken = default) => inner.WriteAsync(writes, cancellationToken);

        public Task ReplayAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max, Action<PersistentRepr> onReplayed, CancellationToken cancellationToken = default) =>
            inner.ReplayAsync(persistenceId, fromSequenceNr, toSequenceNr, max, onReplayed, cancellationToken);

        public Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr = 0, CancellationToken cancellationToken = default) =>
            inner.ReadHighestSequenceNrAsync(persistenceId, fromSequenceNr, cancellationToken);

        public Task DeleteToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default) => inner.DeleteToAsync(persistenceId, toSequenceNr, cancellationToken);

        public IAsyncEnumerable<EventEnvelope> CurrentEventsByPersistenceId(string persistenceId, long fromSequenceNr = 1, long toSequenceNr = long.MaxValue, CancellationToken cancellationToken = default) =>
            inner.CurrentEventsByPersistenceId(persistenceId, fromSequenceNr, toSequenceNr, cancellationToken);

        public IAsyncEnumerable<string> CurrentPersistenceIds(CancellationToken cancellationToken = default) => inner.CurrentPersistenceIds(cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
