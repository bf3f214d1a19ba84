namespace HFedMoE.Runtime.Actor;

/// <summary>
/// Timers of one actor. Each scheduled send carries a generation number; a tick whose generation
/// is no longer current (the key was cancelled, replaced, or the actor restarted) is dropped when
/// dequeued, which is how "a cancelled timer's message is never received" holds.
/// </summary>
internal sealed class TimerScheduler(ActorCell cell) : ITimerScheduler
{
    private readonly Dictionary<object, Timer> _timers = [];
    private int _generation;

    public void StartSingleTimer(object key, object message, TimeSpan timeout) => Start(key, message, timeout, TimeSpan.Zero);

    public void StartPeriodicTimer(object key, object message, TimeSpan interval) => Start(key, message, interval, interval);

    public void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "timer interval must be > 0");
        }
        Start(key, message, initialDelay, interval);
    }

    public bool IsTimerActive(object key) => _timers.ContainsKey(key);

    public void Cancel(object key)
    {
        if (_timers.Remove(key, out var timer))
        {
            timer.Cancelable.Cancel();
        }
    }

    public void CancelAll()
    {
        foreach (var t in _timers.Values)
        {
            t.Cancelable.Cancel();
        }
        _timers.Clear();
    }

    /// <summary>The message to deliver for <paramref name="tick"/>, or null if it is stale.</summary>
    public object? Accept(TimerTick tick)
    {
        if (!_timers.TryGetValue(tick.Key, out var timer) || timer.Generation != tick.Generation)
        {
            return null;
        }
        if (!timer.Periodic)
        {
            _timers.Remove(tick.Key);
        }
        return tick.Message;
    }

    private void Start(object key, object message, TimeSpan delay, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(message);
        Cancel(key);
        int generation = ++_generation;
        var tick = new TimerTick(key, generation, message);
        var scheduler = cell.System.Scheduler;
        var cancelable = interval > TimeSpan.Zero
            ? scheduler.ScheduleTellRepeatedly(delay, interval, cell.Self, tick, null)
            : scheduler.ScheduleTellOnce(delay, cell.Self, tick, null);
        _timers[key] = new Timer(generation, interval > TimeSpan.Zero, cancelable);
    }

    private readonly record struct Timer(int Generation, bool Periodic, ICancelable Cancelable);
}

/// <summary>What a timer actually sends to its actor; unwrapped (or dropped if stale) on dequeue.</summary>
internal sealed record TimerTick(object Key, int Generation, object Message) : IAutoReceivedMessage;
