using HFedMoE.Runtime.Persistence;

namespace HFedMoE.Runtime.Tests.Persistence;

/// <summary>
/// A journal for actor tests: wraps an in-memory journal and lets a test hold writes or
/// replays at a gate, fail writes, or count calls — explicit latches, no timing guesses.
/// </summary>
internal sealed class GatedJournal(InMemoryJournal inner) : IJournal
{
    private volatile TaskCompletionSource _writeGate = Open();
    private volatile TaskCompletionSource _replayGate = Open();
    private int _replays;

    public InMemoryJournal Inner => inner;

    public Exception? FailWritesWith { get; set; }

    public int ReplaysStarted => Volatile.Read(ref _replays);

    public void HoldWrites() => _writeGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseWrites() => _writeGate.TrySetResult();

    public void HoldReplays() => _replayGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseReplays() => _replayGate.TrySetResult();

    public async Task<IReadOnlyList<Exception?>> WriteAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken = default)
    {
        await _writeGate.Task;
        if (FailWritesWith is { } e)
        {
            throw e;
        }
        return await inner.WriteAsync(writes, cancellationToken);
    }

    public async Task ReplayAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max, Action<PersistentRepr> onReplayed, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _replays);
        await _replayGate.Task;
        await inner.ReplayAsync(persistenceId, fromSequenceNr, toSequenceNr, max, onReplayed, cancellationToken);
    }

    public Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr = 0, CancellationToken cancellationToken = default) =>
        inner.ReadHighestSequenceNrAsync(persistenceId, fromSequenceNr, cancellationToken);

    public Task DeleteToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken = default) =>
        inner.DeleteToAsync(persistenceId, toSequenceNr, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private static TaskCompletionSource Open()
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        tcs.SetResult();
        return tcs;
    }
}
