using System.Collections.Concurrent;

namespace HFedMoE.Runtime.Actor.Dispatch;

/// <summary>
/// A fixed set of named background threads that only run the actors assigned to this
/// dispatcher, so CPU-heavy actors (training, aggregation) never starve the ThreadPool that the
/// rest of the system (heartbeats, Ask replies, I/O) depends on.
/// </summary>
public sealed class DedicatedThreadDispatcher : MessageDispatcher, IDisposable
{
    private readonly ConcurrentQueue<IThreadPoolWorkItem> _ready = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Thread[] _threads;
    private volatile bool _stopping;

    /// <param name="threadNamePrefix">Threads are named <c>{prefix}-1</c>, <c>{prefix}-2</c>, …</param>
    public DedicatedThreadDispatcher(string id, int throughput, int threadCount, string threadNamePrefix)
        : base(id, throughput)
    {
        if (threadCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(threadCount), threadCount, $"dispatcher '{id}': thread-count must be >= 1");
        }
        _threads = new Thread[threadCount];
        for (int i = 0; i < threadCount; i++)
        {
            _threads[i] = new Thread(RunLoop)
            {
                IsBackground = true,
                Name = threadNamePrefix + "-" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            _threads[i].Start();
        }
    }

    public int ThreadCount => _threads.Length;

    public override void Schedule(IThreadPoolWorkItem mailbox)
    {
        _ready.Enqueue(mailbox);
        _signal.Release();
    }

    public override void Shutdown()
    {
        _stopping = true;
        _signal.Release(_threads.Length);
        foreach (var t in _threads)
        {
            if (t != Thread.CurrentThread)
            {
                t.Join(TimeSpan.FromSeconds(5));
            }
        }
    }

    public void Dispose()
    {
        Shutdown();
        _signal.Dispose();
    }

    private void RunLoop()
    {
        while (true)
        {
            _signal.Wait();
            if (_stopping)
            {
                return;
            }
            if (_ready.TryDequeue(out var mailbox))
            {
                mailbox.Execute();
            }
        }
    }
}
