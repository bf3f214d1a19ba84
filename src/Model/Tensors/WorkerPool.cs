namespace HFedMoE.Model.Tensors;

/// <summary>
/// A few dedicated threads that split one job into numbered parts, with the calling thread
/// taking parts too. Unlike Parallel.For it allocates nothing per job (the job is an unmanaged
/// struct on the caller's stack passed by pointer) and its threads are not shared with the
/// actor system's thread pool. One job at a time: a caller that finds the pool busy runs all
/// of its parts itself, so concurrent or nested callers never wait on each other or deadlock.
/// </summary>
// The only instance lives as long as the process (its threads block on _wake forever), so
// there is no point at which disposing the semaphore and event would be safe or useful.
#pragma warning disable CA1001
internal sealed unsafe class WorkerPool
#pragma warning restore CA1001
{
    private static readonly Lazy<WorkerPool> SharedPool = new(() => new WorkerPool(Environment.ProcessorCount - 1), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly SemaphoreSlim _wake = new(0);
    private readonly ManualResetEventSlim _done = new(false);
    private int _busy;

    // Job state. _state packs (generation:32 | parts:16 | next part:16) so a worker's claim is a
    // single CAS that fails if the job it read has finished or been replaced, and the function
    // and context it read before a successful claim are guaranteed to belong to that job.
    private long _state;
    private delegate*<void*, int, void> _function;
    private void* _context;
    private int _remaining;
    private Exception? _error;

    private WorkerPool(int workers)
    {
        Workers = Math.Max(0, workers);
        for (int i = 0; i < Workers; i++)
        {
            var thread = new Thread(WorkerLoop)
            {
                IsBackground = true,
                Name = $"HFedMoE.Gemm.Worker{i}",
            };
            thread.Start();
        }
    }

    /// <summary>The process-wide pool, created on first use with one thread per core but one.</summary>
    public static WorkerPool Shared => SharedPool.Value;

    /// <summary>Threads besides the caller.</summary>
    public int Workers { get; }

    /// <summary>
    /// Runs <paramref name="function"/>(context, part) for every part in [0, parts) and returns
    /// when all are done. <paramref name="context"/> must stay valid until then (a stack struct of
    /// the caller is fine). An exception from a part is rethrown here after all parts finish.
    /// </summary>
    public void Run(int parts, delegate*<void*, int, void> function, void* context)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parts);
        if (parts > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(parts), parts, $"at most {ushort.MaxValue} parts per job");
        }
        if (parts <= 1 || Workers == 0 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int part = 0; part < parts; part++)
            {
                function(context, part);
            }
            return;
        }
        try
        {
            _function = function;
            _context = context;
            _error = null;
            _remaining = parts;
            _done.Reset();
            long generation = (Volatile.Read(ref _state) >>> 32) + 1;
            Interlocked.Exchange(ref _state, (generation << 32) | ((long)parts << 16));
            _wake.Release(Math.Min(parts - 1, Workers));
            RunClaimedParts();
            _done.Wait();
            if (_error is { } error)
            {
                throw new AggregateException("a parallel GEMM part failed", error);
            }
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private void WorkerLoop()
    {
        while (true)
        {
            _wake.Wait();
            RunClaimedParts();
        }
    }

    private void RunClaimedParts()
    {
        while (TryClaim(out int part, out var function, out void* context))
        {
            try
            {
                function(context, part);
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref _error, ex, null);
            }
            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _done.Set();
            }
        }
    }

    private bool TryClaim(out int part, out delegate*<void*, int, void> function, out void* context)
    {
        while (true)
        {
            long state = Volatile.Read(ref _state);
            function = _function;
            context = _context;
            int parts = (int)((state >> 16) & 0xFFFF);
            part = (int)(state & 0xFFFF);
            if (part >= parts)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _state, state + 1, state) == state)
            {
                return true;
            }
        }
    }
}
