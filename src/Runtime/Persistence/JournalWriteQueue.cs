using System.Threading.Channels;

namespace HFedMoE.Runtime.Persistence;

/// <summary>
/// The journal's single writer. Callers enqueue the rows of their AtomicWrites; one loop takes
/// everything queued (up to the batch size) and stores it in ONE transaction, so many actors
/// persisting at once share one commit (one fsync). If a grouped transaction fails, each
/// request is retried in its own transaction so one bad request (e.g. a sequence conflict)
/// cannot fail the others. Exclusive operations (deletes) run alone, in queue order.
/// </summary>
internal sealed class JournalWriteQueue : IAsyncDisposable
{
    private readonly Channel<Request> _channel = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<IReadOnlyList<JournalRow>, Task> _writeTransaction;
    private readonly Func<Exception, Exception> _describeFailure;
    private readonly int _maxBatchRows;
    private readonly Task _loop;

    /// <param name="writeTransaction">stores the rows in one transaction (all or nothing).</param>
    /// <param name="describeFailure">turns a store exception into the exception callers see.</param>
    public JournalWriteQueue(Func<IReadOnlyList<JournalRow>, Task> writeTransaction, Func<Exception, Exception> describeFailure, int maxBatchRows)
    {
        _writeTransaction = writeTransaction;
        _describeFailure = describeFailure;
        _maxBatchRows = maxBatchRows;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Completes when the rows are stored; faults when they are not.</summary>
    public Task EnqueueRows(IReadOnlyList<JournalRow> rows) => Enqueue(new Request(rows, null));

    /// <summary>Completes once everything enqueued before it is done (stored or failed).</summary>
    public Task Barrier() => Enqueue(new Request([], null));

    /// <summary>Runs <paramref name="operation"/> on the writer, after everything enqueued before it.</summary>
    public Task EnqueueExclusive(Func<Task> operation) => Enqueue(new Request([], operation));

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private Task Enqueue(Request request)
    {
        if (!_channel.Writer.TryWrite(request))
        {
            throw new ObjectDisposedException(nameof(JournalWriteQueue), "the journal is closed");
        }
        return request.Done.Task;
    }

    private async Task RunAsync()
    {
        var reader = _channel.Reader;
        var batch = new List<Request>();
        Request? carried = null;
        while (true)
        {
            Request first;
            if (carried is not null)
            {
                first = carried;
                carried = null;
            }
            else if (!reader.TryRead(out first!))
            {
                if (!await reader.WaitToReadAsync().ConfigureAwait(false))
                {
                    return;
                }
                continue;
            }

            if (first.Exclusive is not null)
            {
                await RunExclusive(first).ConfigureAwait(false);
                continue;
            }

            batch.Clear();
            batch.Add(first);
            var rows = first.Rows.Count;
            while (rows < _maxBatchRows && reader.TryRead(out var next))
            {
                if (next.Exclusive is not null)
                {
                    carried = next;
                    break;
                }
                batch.Add(next);
                rows += next.Rows.Count;
            }
            await Commit(batch, rows).ConfigureAwait(false);
        }
    }

    private static async Task RunExclusive(Request request)
    {
        try
        {
            await request.Exclusive!().ConfigureAwait(false);
            request.Done.TrySetResult();
        }
        catch (Exception e)
        {
            request.Done.TrySetException(e);
        }
    }

    private async Task Commit(List<Request> batch, int rowCount)
    {
        var writing = batch.Where(r => r.Rows.Count > 0).ToList();
        try
        {
            if (rowCount > 0)
            {
                var all = writing.Count == 1 ? writing[0].Rows : writing.SelectMany(r => r.Rows).ToList();
                await _writeTransaction(all).ConfigureAwait(false);
            }
            foreach (var r in batch)
            {
                r.Done.TrySetResult();
            }
        }
        catch (Exception) when (writing.Count > 1)
        {
            // The grouped transaction rolled back: nothing of it is stored. Retry each
            // request alone so only the offending one fails.
            foreach (var r in batch)
            {
                if (r.Rows.Count == 0)
                {
                    r.Done.TrySetResult();
                    continue;
                }
                try
                {
                    await _writeTransaction(r.Rows).ConfigureAwait(false);
                    r.Done.TrySetResult();
                }
                catch (Exception single)
                {
                    r.Done.TrySetException(_describeFailure(single));
                }
            }
        }
        catch (Exception e)
        {
            foreach (var r in batch)
            {
                if (r.Rows.Count == 0)
                {
                    r.Done.TrySetResult();
                }
                else
                {
                    r.Done.TrySetException(_describeFailure(e));
                }
            }
        }
    }

    private sealed class Request(IReadOnlyList<JournalRow> rows, Func<Task>? exclusive)
    {
        public IReadOnlyList<JournalRow> Rows { get; } = rows;

        public Func<Task>? Exclusive { get; } = exclusive;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
