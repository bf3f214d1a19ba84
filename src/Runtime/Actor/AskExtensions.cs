namespace HFedMoE.Runtime.Actor;

/// <summary>Request–response on top of Tell: <c>var pong = await actor.Ask&lt;Pong&gt;(new Ping(), TimeSpan.FromSeconds(1));</c></summary>
public static class AskExtensions
{
    /// <summary>
    /// Sends <paramref name="message"/> with a temporary actor under <c>/temp</c> as sender and
    /// completes with the first reply of type <typeparamref name="T"/>. A
    /// <see cref="Status.Failure"/> reply faults the task with its cause, a reply of another type
    /// with <see cref="ArgumentException"/>. Without a reply within <paramref name="timeout"/>
    /// (default <c>hfedmoe.actor.ask-timeout</c>, measured by the system's scheduler) it faults
    /// with <see cref="AskTimeoutException"/>. Exceptions thrown by the target are NOT sent back:
    /// it must reply <see cref="Status.Failure"/> itself.
    /// </summary>
    public static Task<T> Ask<T>(this ICanTell target, object message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(message);
        var system = SystemOf(target);
        var effective = timeout ?? system.Settings.AskTimeout;
        bool infinite = effective == Timeout.InfiniteTimeSpan || effective == TimeSpan.MaxValue;
        if (!infinite && effective <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), effective, "Ask timeout must be positive or infinite");
        }
        var targetRef = target as IActorRef;
        var future = new FutureActorRef<T>(system, system.NextTempId(), targetRef, effective);
        if (target is IInternalActorRef { IsTerminated: true } && targetRef is not null)
        {
            future.Fail(new AskTimeoutException($"Recipient [{targetRef.Path}] had already been terminated when asked"));
            return future.Task;
        }
        if (!infinite)
        {
            future.Timeout = system.Scheduler.ScheduleTellOnce(effective, future, AskTimeoutSignal.Instance, null);
        }
        future.RegisterCancellation(cancellationToken);
        target.Tell(message, future);
        return future.Task;
    }

    /// <summary>Ask for a reply of any type.</summary>
    public static Task<object> Ask(this ICanTell target, object message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => target.Ask<object>(message, timeout, cancellationToken);

    private static ActorSystem SystemOf(ICanTell target) => target switch
    {
        IInternalActorRef r => r.System,
        ActorSelection s => s.System,
        _ => throw new ArgumentException($"cannot Ask {target.GetType().Name}: expected a reference or selection created by an ActorSystem", nameof(target)),
    };
}
