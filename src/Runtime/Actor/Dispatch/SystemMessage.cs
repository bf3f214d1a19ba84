namespace HFedMoE.Runtime.Actor.Dispatch;

/// <summary>
/// Lifecycle and supervision signals. They bypass the user queue and are processed before any
/// user message. Each instance is its own list node (<see cref="Next"/>), so queuing one costs no
/// extra allocation; an instance must therefore be sent exactly once.
/// </summary>
internal abstract class SystemMessage
{
    public SystemMessage? Next;
}

internal sealed class Create : SystemMessage
{
}

internal sealed class Recreate(Exception cause) : SystemMessage
{
    public Exception Cause { get; } = cause;
}

internal sealed class Suspend : SystemMessage
{
}

internal sealed class Resume(bool causedByFailure) : SystemMessage
{
    public bool CausedByFailure { get; } = causedByFailure;
}

internal sealed class Terminate : SystemMessage
{
}

internal sealed class Watch(IActorRef watchee, IActorRef watcher) : SystemMessage
{
    public IActorRef Watchee { get; } = watchee;

    public IActorRef Watcher { get; } = watcher;
}

internal sealed class Unwatch(IActorRef watchee, IActorRef watcher) : SystemMessage
{
    public IActorRef Watchee { get; } = watchee;

    public IActorRef Watcher { get; } = watcher;
}

internal sealed class Failed(IActorRef child, Exception cause, int uid) : SystemMessage
{
    public IActorRef Child { get; } = child;

    public Exception Cause { get; } = cause;

    public int Uid { get; } = uid;
}

internal sealed class DeathWatchNotification(IActorRef actor, bool existenceConfirmed, bool addressTerminated) : SystemMessage
{
    public IActorRef Actor { get; } = actor;

    public bool ExistenceConfirmed { get; } = existenceConfirmed;

    public bool AddressTerminated { get; } = addressTerminated;
}

/// <summary>The task an async handler returned has completed; the actor may take its next message.</summary>
internal sealed class AsyncHandlerCompleted(int generation, Exception? failure) : SystemMessage
{
    /// <summary>Which pending handler this was; stale after the actor restarted.</summary>
    public int Generation { get; } = generation;

    public Exception? Failure { get; } = failure;
}
