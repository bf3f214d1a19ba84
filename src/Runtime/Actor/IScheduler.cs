namespace HFedMoE.Runtime.Actor;

/// <summary>
/// Schedules messages and actions. Every time-dependent part of the runtime (Ask timeouts,
/// ReceiveTimeout, timers, supervision windows, coordinated shutdown timeouts) reads time and
/// schedules through this interface, so the TestKit's virtual-time scheduler makes all of them
/// deterministic.
/// </summary>
public interface IScheduler
{
    /// <summary>Wall-clock now as this scheduler sees it (virtual under test).</summary>
    DateTimeOffset Now { get; }

    /// <summary>Monotonic elapsed time since the scheduler started (virtual under test).</summary>
    TimeSpan MonotonicClock { get; }

    ICancelable ScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef? sender);

    ICancelable ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef? sender);

    ICancelable ScheduleOnce(TimeSpan delay, Action action);

    ICancelable ScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action);
}
