using HFedMoE.Runtime.Actor;

namespace HFedMoE.Runtime.Tests.Actor;

/// <summary>
/// Test-only scheduler whose clock moves only when <see cref="Advance"/> is called; due work runs
/// on the caller's thread, in due order. Makes timeouts, timers and retry windows deterministic.
/// </summary>
internal sealed class ManualScheduler : IScheduler
{
    private readonly object _gate = new();
    private readonly List<Entry> _entries = [];
    private readonly DateTimeOffset _start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private TimeSpan _now;
    private long _seq;

    public DateTimeOffset Now
    {
        get
        {
            lock (_gate)
            {
                return _start + _now;
            }
        }
    }

    public TimeSpan MonotonicClock
    {
        get
        {
            lock (_gate)
            {
                return _now;
            }
        }
    }

    /// <summary>Work waiting to run (not cancelled).</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count(e => !e.Handle.IsCancellationRequested);
            }
        }
    }

    public ICancelable ScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef? sender) =>
        Add(delay, TimeSpan.Zero, () => receiver.Tell(message, sender));

    public ICancelable ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef? sender) =>
        Add(initialDelay, interval, () => receiver.Tell(message, sender));

    public ICancelable ScheduleOnce(TimeSpan delay, Action action) => Add(delay, TimeSpan.Zero, action);

    public ICancelable ScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action) => Add(initialDelay, interval, action);

    /// <summary>Moves time forward by <paramref name="by"/>, running everything that falls due.</summary>
    public void Advance(TimeSpan by)
    {
        TimeSpan target;
        lock (_gate)
        {
            target = _now + by;
        }
        while (true)
        {
            Entry? next;
            lock (_gate)
            {
                _entries.RemoveAll(e => e.Handle.IsCancellationRequested);
                next = _entries.Where(e => e.Due <= target).OrderBy(e => e.Due).ThenBy(e => e.Seq).FirstOrDefault();
                if (next is null)
                {
                    _now = target;
                    return;
                }
                _now = next.Due;
                _entries.Remove(next);
                if (next.Interval > TimeSpan.Zero)
                {
                    _entries.Add(next with { Due = next.Due + next.Interval, Seq = _seq++ });
                }
            }
            next.Action();
        }
    }

    private Handle Add(TimeSpan delay, TimeSpan interval, Action action)
    {
        var handle = new Handle();
        lock (_gate)
        {
            _entries.Add(new Entry(_now + delay, interval, action, handle, _seq++));
        }
        return handle;
    }

    private sealed record Entry(TimeSpan Due, TimeSpan Interval, Action Action, Handle Handle, long Seq);

    private sealed class Handle : ICancelable
    {
        private int _cancelled;

        public bool IsCancellationRequested => Volatile.Read(ref _cancelled) != 0;

        public void Cancel() => Volatile.Write(ref _cancelled, 1);
    }
}
