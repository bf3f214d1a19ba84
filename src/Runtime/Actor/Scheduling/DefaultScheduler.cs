using System.Diagnostics;

namespace HFedMoE.Runtime.Actor.Scheduling;

/// <summary>
/// The real-time scheduler: one dedicated background thread waits on a priority queue ordered by
/// due time (a monotonic <see cref="Stopwatch"/>, so wall-clock jumps never fire or delay work)
/// and runs each task when it falls due. Like Akka's, tasks run ON the scheduler thread, so they
/// must be short and non-blocking; <c>Tell</c> is. An exception thrown by a task is caught, passed
/// to the optional failure callback, and never kills the thread.
/// </summary>
/// <remarks>
/// Cancelled tasks stay in the heap until they fall due or until a compaction removes them; the
/// compaction runs once more than half of the queue (and at least <see cref="CompactionThreshold"/>
/// entries) has been cancelled, so Ask timeouts that are nearly always cancelled do not pile up.
/// </remarks>
public sealed class DefaultScheduler : IScheduler, IDisposable
{
    private const int CompactionThreshold = 1024;

    private readonly object _gate = new();
    private readonly PriorityQueue<ScheduledTask, DueKey> _queue = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    private readonly TimeSpan _tick;
    private readonly TimeSpan _shutdownTimeout;
    private readonly Action<Exception>? _onTaskFailure;
    private readonly Thread _thread;
    private long _sequence;
    private int _cancelledSinceCompaction;
    private bool _disposed;

    /// <summary>Starts a scheduler whose waits are never longer than <paramref name="tick"/>.</summary>
    public DefaultScheduler(TimeSpan tick)
        : this(tick, TimeSpan.FromSeconds(5), onTaskFailure: null)
    {
    }

    /// <param name="tick">
    /// While work is pending, the longest the thread sleeps before re-reading the clock (config
    /// <c>hfedmoe.scheduler.tick-duration</c>). Tasks fire as soon as they are due (to about a
    /// millisecond), so this is a bound on timer drift, not a rounding grid; an idle scheduler
    /// does not wake at all.
    /// </param>
    /// <param name="shutdownTimeout">How long <see cref="Dispose"/> waits for a running task to finish.</param>
    /// <param name="onTaskFailure">Receives exceptions thrown by scheduled tasks (e.g. to log them).</param>
    public DefaultScheduler(TimeSpan tick, TimeSpan shutdownTimeout, Action<Exception>? onTaskFailure)
    {
        if (tick <= TimeSpan.Zero || tick > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(tick), tick, "scheduler tick must be > 0 and <= 1s (hfedmoe.scheduler.tick-duration, default 10ms)");
        }
        if (shutdownTimeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(shutdownTimeout), shutdownTimeout, "shutdown timeout must be >= 0");
        }
        _tick = tick;
        _shutdownTimeout = shutdownTimeout;
        _onTaskFailure = onTaskFailure;
        _thread = new Thread(RunLoop) { IsBackground = true, Name = "hfedmoe-scheduler" };
        _thread.Start();
    }

    public DateTimeOffset Now => _startedAt + _clock.Elapsed;

    public TimeSpan MonotonicClock => _clock.Elapsed;

    /// <summary>Tasks waiting to run, including cancelled ones not yet removed (for diagnostics).</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    public ICancelable ScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(message);
        CheckDelay(delay, nameof(delay));
        return Enqueue(new ScheduledTask(this, receiver, message, sender, action: null, TimeSpan.Zero), delay);
    }

    public ICancelable ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(message);
        CheckDelay(initialDelay, nameof(initialDelay));
        CheckInterval(interval);
        return Enqueue(new ScheduledTask(this, receiver, message, sender, action: null, interval), initialDelay);
    }

    public ICancelable ScheduleOnce(TimeSpan delay, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        CheckDelay(delay, nameof(delay));
        return Enqueue(new ScheduledTask(this, receiver: null, message: null, sender: null, action, TimeSpan.Zero), delay);
    }

    public ICancelable ScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        CheckDelay(initialDelay, nameof(initialDelay));
        CheckInterval(interval);
        return Enqueue(new ScheduledTask(this, receiver: null, message: null, sender: null, action, interval), initialDelay);
    }

    /// <summary>
    /// Stops the thread (waiting up to the shutdown timeout for a running task) and drops every
    /// pending task. Scheduling afterwards throws <see cref="SchedulerException"/>.
    /// </summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            Monitor.PulseAll(_gate);
        }
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join(_shutdownTimeout);
        }
        lock (_gate)
        {
            while (_queue.TryDequeue(out var task, out _))
            {
                task.MarkCancelled();
            }
        }
    }

    private static void CheckDelay(TimeSpan delay, string name)
    {
        if (delay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, delay, "delay must be >= 0");
        }
    }

    private static void CheckInterval(TimeSpan interval)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "repeat interval must be > 0");
        }
    }

    private static long AddSaturating(long a, long b) => b > long.MaxValue - a ? long.MaxValue : a + b;

    private ScheduledTask Enqueue(ScheduledTask task, TimeSpan delay)
    {
        long due = AddSaturating(_clock.Elapsed.Ticks, delay.Ticks);
        lock (_gate)
        {
            if (_disposed)
            {
                throw new SchedulerException("the scheduler has been shut down; no more work can be scheduled");
            }
            EnqueueLocked(task, due);
        }
        return task;
    }

    private void EnqueueLocked(ScheduledTask task, long due)
    {
        // Waking the thread costs a context switch: only do it when the new task is the earliest.
        bool earliest = !_queue.TryPeek(out _, out var head) || due < head.Due;
        _queue.Enqueue(task, new DueKey(due, _sequence++));
        if (earliest)
        {
            Monitor.Pulse(_gate);
        }
    }

    private void NoteCancelled()
    {
        Interlocked.Increment(ref _cancelledSinceCompaction);
    }

    private void CompactIfMostlyCancelledLocked()
    {
        int cancelled = Volatile.Read(ref _cancelledSinceCompaction);
        if (cancelled < CompactionThreshold || cancelled <= _queue.Count / 2)
        {
            return;
        }
        var live = new List<(ScheduledTask, DueKey)>(_queue.Count - Math.Min(cancelled, _queue.Count));
        foreach (var (task, key) in _queue.UnorderedItems)
        {
            if (!task.IsCancellationRequested)
            {
                live.Add((task, key));
            }
        }
        _queue.Clear();
        _queue.EnqueueRange(live);
        Volatile.Write(ref _cancelledSinceCompaction, 0);
    }

    private void RunLoop()
    {
        while (true)
        {
            ScheduledTask task;
            long due;
            lock (_gate)
            {
                while (true)
                {
                    if (_disposed)
                    {
                        return;
                    }
                    CompactIfMostlyCancelledLocked();
                    // Nothing queued: sleep until an enqueue pulses (it does so under this lock,
                    // so the pulse cannot be missed).
                    int waitMs = Timeout.Infinite;
                    if (_queue.TryPeek(out var head, out var key))
                    {
                        if (head.IsCancellationRequested)
                        {
                            _queue.Dequeue();
                            continue;
                        }
                        long now = _clock.Elapsed.Ticks;
                        if (key.Due <= now)
                        {
                            _queue.Dequeue();
                            task = head;
                            due = key.Due;
                            break;
                        }
                        // Monitor.Wait has millisecond resolution: round up so we never spin on a
                        // 0 ms wait.
                        var wait = TimeSpan.FromTicks(Math.Min(key.Due - now, _tick.Ticks));
                        waitMs = Math.Max(1, (int)Math.Ceiling(wait.TotalMilliseconds));
                    }
                    Monitor.Wait(_gate, waitMs);
                }
            }

            task.Run(_onTaskFailure);

            if (task.Interval > TimeSpan.Zero && !task.IsCancellationRequested)
            {
                // Fixed rate, but after a stall fire once and then resume the rhythm from now
                // instead of bursting through every missed period.
                long now = _clock.Elapsed.Ticks;
                long next = AddSaturating(due, task.Interval.Ticks);
                if (next < now)
                {
                    next = now;
                }
                lock (_gate)
                {
                    if (!_disposed)
                    {
                        EnqueueLocked(task, next);
                    }
                }
            }
        }
    }

    private readonly record struct DueKey(long Due, long Sequence) : IComparable<DueKey>
    {
        public int CompareTo(DueKey other)
        {
            int c = Due.CompareTo(other.Due);
            return c != 0 ? c : Sequence.CompareTo(other.Sequence);
        }
    }

    private sealed class ScheduledTask : ICancelable
    {
        private readonly DefaultScheduler _owner;
        private readonly ICanTell? _receiver;
        private readonly object? _message;
        private readonly IActorRef? _sender;
        private readonly Action? _action;
        private int _cancelled;

        public ScheduledTask(DefaultScheduler owner, ICanTell? receiver, object? message, IActorRef? sender, Action? action, TimeSpan interval)
        {
            _owner = owner;
            _receiver = receiver;
            _message = message;
            _sender = sender;
            _action = action;
            Interval = interval;
        }

        public TimeSpan Interval { get; }

        public bool IsCancellationRequested => Volatile.Read(ref _cancelled) != 0;

        public void Cancel()
        {
            if (Interlocked.Exchange(ref _cancelled, 1) == 0)
            {
                _owner.NoteCancelled();
            }
        }

        public void MarkCancelled() => Volatile.Write(ref _cancelled, 1);

        public void Run(Action<Exception>? onFailure)
        {
            // Narrows the window for a Cancel that raced with the dequeue.
            if (IsCancellationRequested)
            {
                return;
            }
            try
            {
                if (_action is not null)
                {
                    _action();
                }
                else
                {
                    _receiver!.Tell(_message!, _sender);
                }
            }
            catch (Exception e)
            {
                if (onFailure is not null)
                {
                    try
                    {
                        onFailure(e);
                    }
                    catch
                    {
                        // The failure callback itself failed; the scheduler thread must survive.
                    }
                }
            }
        }
    }
}
