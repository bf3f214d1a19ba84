using HFedMoE.Runtime.Actor;
using HFedMoE.Runtime.Actor.Scheduling;

namespace HFedMoE.TestKit;

/// <summary>
/// An <see cref="IScheduler"/> whose clock moves only when a test calls <see cref="Advance"/> or
/// <see cref="AdvanceTo(DateTimeOffset)"/>. Everything in the runtime that waits (Ask timeouts,
/// ReceiveTimeout, actor timers, supervision windows) schedules through the system scheduler, so
/// with this one installed those waits become deterministic steps.
/// </summary>
/// <remarks>
/// Due work runs on the thread that calls Advance, in due-time order, ties in the order they were
/// scheduled. Work scheduled with a zero delay is due "now" but still only runs on the next
/// Advance (an <c>Advance(TimeSpan.Zero)</c> is enough). A scheduled Tell only enqueues the
/// message: the receiving actor processes it asynchronously after Advance returns, so follow an
/// Advance with an ExpectMsg rather than asserting state directly.
/// </remarks>
public sealed class VirtualTimeScheduler : IScheduler
{
    private readonly object _gate = new();
    private readonly PriorityQueue<VirtualTask, (long Due, long Sequence)> _queue = new();
    private readonly DateTimeOffset _start;
    private long _clockTicks;
    private long _sequence;
    private int _advancingThread;
    private bool _shutDown;

    /// <summary>Creates a scheduler whose virtual wall clock starts at <paramref name="start"/> (default: now).</summary>
    public VirtualTimeScheduler(DateTimeOffset? start = null)
    {
        _start = start ?? DateTimeOffset.UtcNow;
    }

    public DateTimeOffset Now => _start + MonotonicClock;

    public TimeSpan MonotonicClock => TimeSpan.FromTicks(Interlocked.Read(ref _clockTicks));

    /// <summary>Scheduled tasks that are neither cancelled nor finished (repeating tasks count once).</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                int live = 0;
                foreach (var (task, _) in _queue.UnorderedItems)
                {
                    if (!task.IsCancellationRequested)
                    {
                        live++;
                    }
                }
                return live;
            }
        }
    }

    public ICancelable ScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(message);
        return Add(delay, TimeSpan.Zero, () => receiver.Tell(message, sender));
    }

    public ICancelable ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(message);
        CheckInterval(interval);
        return Add(initialDelay, interval, () => receiver.Tell(message, sender));
    }

    public ICancelable ScheduleOnce(TimeSpan delay, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return Add(delay, TimeSpan.Zero, action);
    }

    public ICancelable ScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        CheckInterval(interval);
        return Add(initialDelay, interval, action);
    }

    /// <summary>
    /// Moves the clock forward by <paramref name="amount"/>, running every task that falls due on
    /// the way (including tasks those tasks schedule, if they are due before the target). The clock
    /// reads each task's due time while it runs and the target time afterwards.
    /// </summary>
    /// <exception cref="AggregateException">One or more tasks threw; all due tasks still ran.</exception>
    public void Advance(TimeSpan amount)
    {
        if (amount < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(amount), amount, "virtual time cannot go backwards; amount must be >= 0");
        }
        RunUntil(AddSaturating(Interlocked.Read(ref _clockTicks), amount.Ticks));
    }

    /// <summary>Moves the virtual wall clock forward to <paramref name="when"/> (see <see cref="Advance"/>).</summary>
    public void AdvanceTo(DateTimeOffset when)
    {
        var target = when - _start;
        if (target < MonotonicClock)
        {
            throw new ArgumentOutOfRangeException(nameof(when), when, $"virtual time cannot go backwards; now is {Now:O}");
        }
        RunUntil(target.Ticks);
    }

    /// <summary>Moves the monotonic clock forward to <paramref name="monotonicTarget"/> (see <see cref="Advance"/>).</summary>
    public void AdvanceTo(TimeSpan monotonicTarget)
    {
        if (monotonicTarget < MonotonicClock)
        {
            throw new ArgumentOutOfRangeException(nameof(monotonicTarget), monotonicTarget, $"virtual time cannot go backwards; monotonic clock is {MonotonicClock}");
        }
        RunUntil(monotonicTarget.Ticks);
    }

    /// <summary>Drops every pending task; later scheduling throws <see cref="SchedulerException"/>.</summary>
    public void Shutdown()
    {
        lock (_gate)
        {
            _shutDown = true;
            while (_queue.TryDequeue(out var task, out _))
            {
                task.Cancel();
            }
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

    private VirtualTask Add(TimeSpan delay, TimeSpan interval, Action work)
    {
        if (delay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(delay), delay, "delay must be >= 0");
        }
        var task = new VirtualTask(work, interval.Ticks);
        lock (_gate)
        {
            if (_shutDown)
            {
                throw new SchedulerException("the virtual-time scheduler has been shut down; no more work can be scheduled");
            }
            _queue.Enqueue(task, (AddSaturating(_clockTicks, delay.Ticks), _sequence++));
        }
        return task;
    }

    private void RunUntil(long targetTicks)
    {
        int me = Environment.CurrentManagedThreadId;
        if (Interlocked.CompareExchange(ref _advancingThread, me, 0) != 0)
        {
            throw new InvalidOperationException("VirtualTimeScheduler.Advance is already running (called from a scheduled task or from two threads at once)");
        }
        List<Exception>? failures = null;
        try
        {
            while (true)
            {
                VirtualTask task;
                lock (_gate)
                {
                    if (!_queue.TryPeek(out task!, out var key) || key.Due > targetTicks)
                    {
                        break;
                    }
                    _queue.Dequeue();
                    if (task.IsCancellationRequested)
                    {
                        continue;
                    }
                    Interlocked.Exchange(ref _clockTicks, Math.Max(_clockTicks, key.Due));
                    if (task.IntervalTicks > 0)
                    {
                        // Re-enqueue before running so the task can cancel itself from inside.
                        _queue.Enqueue(task, (AddSaturating(key.Due, task.IntervalTicks), _sequence++));
                    }
                }
                try
                {
                    task.Work();
                }
                catch (Exception e)
                {
                    (failures ??= []).Add(e);
                }
            }
            lock (_gate)
            {
                Interlocked.Exchange(ref _clockTicks, Math.Max(_clockTicks, targetTicks));
            }
        }
        finally
        {
            Volatile.Write(ref _advancingThread, 0);
        }
        if (failures is not null)
        {
            throw new AggregateException($"{failures.Count} scheduled task(s) threw while advancing virtual time to {MonotonicClock}", failures);
        }
    }

    private sealed class VirtualTask(Action work, long intervalTicks) : ICancelable
    {
        private int _cancelled;

        public Action Work { get; } = work;

        public long IntervalTicks { get; } = intervalTicks;

        public bool IsCancellationRequested => Volatile.Read(ref _cancelled) != 0;

        public void Cancel() => Volatile.Write(ref _cancelled, 1);
    }
}
