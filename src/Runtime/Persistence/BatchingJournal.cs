using System.Runtime.CompilerServices;
using HFedMoE.Runtime.Serialization;

namespace HFedMoE.Runtime.Persistence;

/// <summary>
/// What every journal shares: events are serialized in the caller (a failure rejects only that
/// AtomicWrite), written through one <see cref="JournalWriteQueue"/> (grouped transactions),
/// and read back in pages with errors that name the persistence id and sequence number.
/// Subclasses only store and fetch rows.
/// </summary>
public abstract class BatchingJournal : IJournal, IReadJournal
{
    private readonly SerializerRegistry _serializers;
    private readonly JournalWriteQueue _queue;
    private readonly Lazy<Task> _initialized;

    private protected BatchingJournal(SerializerRegistry serializers, JournalOptions options)
    {
        ArgumentNullException.ThrowIfNull(serializers);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _serializers = serializers;
        Options = options;
        _initialized = new Lazy<Task>(() => InitializeStoreAsync(), LazyThreadSafetyMode.ExecutionAndPublication);
        _queue = new JournalWriteQueue(WriteInitializedAsync, DescribeWriteFailure, options.MaxBatchSize);
    }

    public JournalOptions Options { get; }

    public async Task<IReadOnlyList<Exception?>> WriteAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writes);
        var results = new Exception?[writes.Count];
        var rows = new List<JournalRow>();
        var created = DateTime.UtcNow.Ticks;
        for (var i = 0; i < writes.Count; i++)
        {
            try
            {
                // All events of the AtomicWrite serialize, or none is stored (rejection).
                var serialized = writes[i].Events.Select(e => ToRow(e, created)).ToList();
                rows.AddRange(serialized);
            }
            catch (Exception e)
            {
                results[i] = new PersistenceRejectedException(
                    $"event of persistence id '{writes[i].PersistenceId}' (seq {writes[i].LowestSequenceNr}..{writes[i].HighestSequenceNr}) was rejected: cannot serialize: {e.Message}", e);
            }
        }
        if (rows.Count > 0)
        {
            await _queue.EnqueueRows(rows).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        return results;
    }

    public async Task ReplayAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max, Action<PersistentRepr> onReplayed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onReplayed);
        await foreach (var row in ReadPagedAsync(persistenceId, fromSequenceNr, toSequenceNr, max, cancellationToken).ConfigureAwait(false))
        {
            onReplayed(ToRepr(row));
        }
    }

    public async Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(persistenceId);
        // Writes issued before this call (e.g. by a stopped incarnation) must land first.
        await _queue.Barrier().WaitAsync(cancellationToken).ConfigureAwait(false);
        await _initialized.Value.ConfigureAwait(false);
        return Math.Max(await ReadHighestRowAsync(persistenceId, cancellationToken).ConfigureAwait(false), 0);
    }

    public Task DeleteToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(persistenceId);
        return _queue.EnqueueExclusive(async () =>
        {
            await _initialized.Value.ConfigureAwait(false);
            await DeleteRowsToAsync(persistenceId, toSequenceNr).ConfigureAwait(false);
        }).WaitAsync(cancellationToken);
    }

    public async IAsyncEnumerable<EventEnvelope> CurrentEventsByPersistenceId(string persistenceId, long fromSequenceNr = 1, long toSequenceNr = long.MaxValue, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var row in ReadPagedAsync(persistenceId, fromSequenceNr, toSequenceNr, long.MaxValue, cancellationToken).ConfigureAwait(false))
        {
            var repr = ToRepr(row);
            yield return new EventEnvelope(row.Ordering, row.PersistenceId, row.SequenceNr, repr.Payload, repr.Timestamp, repr.Tags ?? []);
        }
    }

    public async IAsyncEnumerable<string> CurrentPersistenceIds([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await _initialized.Value.ConfigureAwait(false);
        foreach (var id in await ReadPersistenceIdsAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return id;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _queue.DisposeAsync().ConfigureAwait(false);
        await DisposeStoreAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>Creates tables if configured to; called once before the first operation.</summary>
    private protected abstract Task InitializeStoreAsync();

    /// <summary>Stores all rows in ONE transaction; throws if any cannot be stored (then none is).</summary>
    private protected abstract Task WriteRowsAsync(IReadOnlyList<JournalRow> rows);

    /// <summary>Up to <paramref name="limit"/> non-deleted rows with from ≤ seq ≤ to, ascending.</summary>
    private protected abstract Task<IReadOnlyList<JournalRow>> ReadRowsAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, int limit, CancellationToken cancellationToken);

    /// <summary>MAX(sequence number) over all rows of the id, deleted or not; 0 when none.</summary>
    private protected abstract Task<long> ReadHighestRowAsync(string persistenceId, CancellationToken cancellationToken);

    /// <summary>Marks rows ≤ to as deleted and removes them, keeping the highest marked row as high-water mark.</summary>
    private protected abstract Task DeleteRowsToAsync(string persistenceId, long toSequenceNr);

    private protected abstract Task<IReadOnlyList<string>> ReadPersistenceIdsAsync(CancellationToken cancellationToken);

    /// <summary>True when <paramref name="e"/> is the store refusing a duplicate (persistence id, sequence number).</summary>
    private protected abstract bool IsSequenceConflict(Exception e);

    private protected virtual ValueTask DisposeStoreAsync() => ValueTask.CompletedTask;

    private async Task WriteInitializedAsync(IReadOnlyList<JournalRow> rows)
    {
        await _initialized.Value.ConfigureAwait(false);
        await WriteRowsAsync(rows).ConfigureAwait(false);
    }

    private Exception DescribeWriteFailure(Exception e)
    {
        if (e is JournalWriteException)
        {
            return e;
        }
        var conflict = IsSequenceConflict(e);
        var message = conflict
            ? "write rejected by the store: an event with the same (persistence id, sequence number) already exists — another writer is using this persistence id"
            : "journal write failed (outcome unknown)";
        return new JournalWriteException($"{message}: {e.Message}", e) { IsSequenceConflict = conflict };
    }

    private async IAsyncEnumerable<JournalRow> ReadPagedAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(persistenceId);
        await _initialized.Value.ConfigureAwait(false);
        var from = Math.Max(fromSequenceNr, 1);
        var remaining = max;
        while (remaining > 0 && from <= toSequenceNr)
        {
            var limit = (int)Math.Min(remaining, Options.ReplayBatchSize);
            var page = await ReadRowsAsync(persistenceId, from, toSequenceNr, limit, cancellationToken).ConfigureAwait(false);
            foreach (var row in page)
            {
                yield return row;
            }
            if (page.Count < limit)
            {
                yield break;
            }
            remaining -= page.Count;
            from = page[^1].SequenceNr + 1;
        }
    }

    private JournalRow ToRow(PersistentRepr e, long created)
    {
        var payload = _serializers.Serialize(e.Payload);
        var tags = e.Tags is { Count: > 0 } t ? string.Join(';', t) : null;
        return new JournalRow(e.PersistenceId, e.SequenceNr, created, payload.SerializerId, payload.Manifest, payload.Bytes, e.WriterUuid, tags);
    }

    private PersistentRepr ToRepr(JournalRow row)
    {
        object payload;
        try
        {
            payload = _serializers.Deserialize(row.SerializerId, row.Manifest, row.Payload);
        }
        catch (Exception e)
        {
            throw new JournalReadException(row.PersistenceId, row.SequenceNr, $"serializer {row.SerializerId}, manifest '{row.Manifest}', {row.Payload.Length} bytes", e);
        }
        var tags = string.IsNullOrEmpty(row.Tags) ? null : row.Tags.Split(';');
        return new PersistentRepr(row.PersistenceId, row.SequenceNr, payload, row.WriterUuid, new DateTime(row.CreatedTicks, DateTimeKind.Utc), tags);
    }
}
