using HFedMoE.Runtime.Serialization;

namespace HFedMoE.Runtime.Persistence;

/// <summary>
/// Journal held in process memory (tests). It still serializes every event, so it rejects
/// what the SQL journals reject and replays copies, not the original objects.
/// </summary>
public sealed class InMemoryJournal : BatchingJournal
{
    private readonly object _gate = new();
    private readonly Dictionary<string, SortedDictionary<long, JournalRow>> _rows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _highest = new(StringComparer.Ordinal);
    private long _ordering;

    public InMemoryJournal(SerializerRegistry serializers, JournalOptions? options = null)
        : base(serializers, options ?? new JournalOptions())
    {
    }

    /// <summary>Test hook: replaces a stored row's manifest and bytes (simulates corruption).</summary>
    internal void Corrupt(string persistenceId, long sequenceNr, string manifest, byte[] payload)
    {
        lock (_gate)
        {
            var rows = _rows[persistenceId];
            rows[sequenceNr] = rows[sequenceNr] with { Manifest = manifest, Payload = payload };
        }
    }

    private protected override Task InitializeStoreAsync() => Task.CompletedTask;

    private protected override Task WriteRowsAsync(IReadOnlyList<JournalRow> rows)
    {
        lock (_gate)
        {
            // Check every row first: the batch is all or nothing.
            var seen = new HashSet<(string, long)>();
            foreach (var r in rows)
            {
                if (!seen.Add((r.PersistenceId, r.SequenceNr))
                    || (_rows.TryGetValue(r.PersistenceId, out var existing) && existing.ContainsKey(r.SequenceNr)))
                {
                    throw new DuplicateSequenceNrException(r.PersistenceId, r.SequenceNr);
                }
            }
            foreach (var r in rows)
            {
                if (!_rows.TryGetValue(r.PersistenceId, out var perId))
                {
                    _rows[r.PersistenceId] = perId = new SortedDictionary<long, JournalRow>();
                }
                // Copies in and out: like a database, the store never shares arrays with callers.
                perId[r.SequenceNr] = r with { Ordering = ++_ordering, Payload = (byte[])r.Payload.Clone() };
                _highest[r.PersistenceId] = Math.Max(_highest.GetValueOrDefault(r.PersistenceId), r.SequenceNr);
            }
        }
        return Task.CompletedTask;
    }

    private protected override Task<IReadOnlyList<JournalRow>> ReadRowsAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<JournalRow> page = _rows.TryGetValue(persistenceId, out var perId)
                ? perId.Values.Where(r => r.SequenceNr >= fromSequenceNr && r.SequenceNr <= toSequenceNr).Take(limit).Select(r => r with { Payload = (byte[])r.Payload.Clone() }).ToList()
                : [];
            return Task.FromResult(page);
        }
    }

    private protected override Task<long> ReadHighestRowAsync(string persistenceId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_highest.GetValueOrDefault(persistenceId));
        }
    }

    private protected override Task DeleteRowsToAsync(string persistenceId, long toSequenceNr)
    {
        lock (_gate)
        {
            // The high-water mark lives in _highest, so rows can go entirely.
            if (_rows.TryGetValue(persistenceId, out var perId))
            {
                foreach (var seq in perId.Keys.Where(s => s <= toSequenceNr).ToList())
                {
                    perId.Remove(seq);
                }
            }
        }
        return Task.CompletedTask;
    }

    private protected override Task<IReadOnlyList<string>> ReadPersistenceIdsAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<string> ids = _highest.Keys.Order(StringComparer.Ordinal).ToList();
            return Task.FromResult(ids);
        }
    }

    private protected override bool IsSequenceConflict(Exception e) => e is DuplicateSequenceNrException;

    private sealed class DuplicateSequenceNrException(string persistenceId, long sequenceNr)
        : Exception($"duplicate sequence number {sequenceNr} for persistence id '{persistenceId}'");
}
