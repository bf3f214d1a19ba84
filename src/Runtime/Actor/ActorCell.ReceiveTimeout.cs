namespace HFedMoE.Runtime.Actor;

/// <summary>
/// Receive timeout: after the set period without a message (other than
/// <see cref="INotInfluenceReceiveTimeout"/> ones) the actor gets <see cref="Actor.ReceiveTimeout"/>,
/// again every period until it is turned off. Each schedule sends a fresh tick object; only the
/// current one counts, so a tick that raced with a newer message is ignored.
/// </summary>
internal sealed partial class ActorCell
{
    public TimeSpan? ReceiveTimeout => _extras?.ReceiveTimeout;

    public void SetReceiveTimeout(TimeSpan? timeout)
    {
        if (timeout is { } t && (t <= TimeSpan.Zero || t == Timeout.InfiniteTimeSpan))
        {
            timeout = null;
        }
        if (timeout is null && _extras is null)
        {
            return;
        }
        Extras.ReceiveTimeout = timeout;
        CancelReceiveTimeout();
        if (timeout is not null)
        {
            ScheduleReceiveTimeout();
        }
    }

    private void RescheduleReceiveTimeout()
    {
        CancelReceiveTimeout();
        ScheduleReceiveTimeout();
    }

    private void ScheduleReceiveTimeout()
    {
        var x = Extras;
        if (x.ReceiveTimeout is not { } timeout || _terminating)
        {
            return;
        }
        var tick = new ReceiveTimeoutTick();
        x.ReceiveTimeoutTick = tick;
        x.ReceiveTimeoutTask = System.Scheduler.ScheduleTellOnce(timeout, SelfRef, tick, null);
    }

    private void CancelReceiveTimeout()
    {
        if (_extras is { } x)
        {
            x.ReceiveTimeoutTask?.Cancel();
            x.ReceiveTimeoutTask = null;
            x.ReceiveTimeoutTick = null;
        }
    }
}

/// <summary>One scheduled receive-timeout check; compared by reference with the cell's current one.</summary>
internal sealed class ReceiveTimeoutTick : IAutoReceivedMessage, INotInfluenceReceiveTimeout
{
}
