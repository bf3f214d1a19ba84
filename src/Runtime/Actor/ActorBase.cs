using HFedMoE.Runtime.Actor.Event;

namespace HFedMoE.Runtime.Actor;

/// <summary>
/// The base of every actor. Instances are created by the runtime from <see cref="Actor.Props"/>
/// (never with <c>new</c> outside <c>Props.Create</c>) and process one message at a time.
/// </summary>
public abstract class ActorBase
{
    // Context is an instance property (not Akka's thread-static one) so it also works in the
    // continuations of ReceiveAsync handlers, which run on pool threads.
    private readonly ActorCell? _boundCell;
    private Receive? _defaultBehavior;

    protected ActorBase()
    {
        _boundCell = ActorCell.TakeConstructingCell()
            ?? throw new ActorInitializationException($"{GetType().Name} was created with 'new': actors must be created through Props and ActorOf");
    }

    internal ActorCell Cell => _boundCell!;

    /// <summary>The behaviour the actor starts with (its <see cref="Receive"/> method), created on first use.</summary>
    internal Receive DefaultBehavior => _defaultBehavior ??= Receive;

    protected IActorContext Context => Cell;

    protected IActorRef Self => Cell.Self;

    /// <summary>The sender of the current message (<see cref="ActorSystem.DeadLetters"/> if none).</summary>
    protected IActorRef Sender => Cell.Sender;

    /// <summary>Handles a message; returns false if it was not handled.</summary>
    protected internal abstract bool Receive(object message);

    /// <summary>Runs before the first message (and, by default, after a restart).</summary>
    protected virtual void PreStart()
    {
    }

    /// <summary>Runs after the actor stopped (its children already have).</summary>
    protected virtual void PostStop()
    {
    }

    /// <summary>Runs on the failed instance before a restart: by default unwatches and stops all children, then PostStop.</summary>
    protected virtual void PreRestart(Exception reason, object? message)
    {
        foreach (var child in Cell.Children)
        {
            Cell.Unwatch(child);
            Cell.Stop(child);
        }
        PostStop();
    }

    /// <summary>Runs on the new instance after a restart: by default PreStart.</summary>
    protected virtual void PostRestart(Exception reason) => PreStart();

    /// <summary>The strategy this actor applies to its children's failures (default: one-for-one, default decider).</summary>
    protected virtual SupervisorStrategy SupervisorStrategy() => Actor.SupervisorStrategy.DefaultStrategy;

    internal SupervisorStrategy SupervisorStrategyInternal() => SupervisorStrategy();

    /// <summary>
    /// Called for messages no behaviour handled: an unhandled <see cref="Terminated"/> throws
    /// <see cref="DeathPactException"/>; anything else is published as <see cref="UnhandledMessage"/>.
    /// </summary>
    protected virtual void Unhandled(object message)
    {
        if (message is Terminated t)
        {
            throw new DeathPactException($"Monitored actor [{t.ActorRef.Path}] terminated and [{Self.Path}] does not handle Terminated");
        }
        Cell.System.EventStream.Publish(new UnhandledMessage(message, Cell.CurrentSender, Self));
    }

    /// <summary>Interception point around message handling (persistence hooks in here).</summary>
    protected internal virtual bool AroundReceive(Receive receive, object message)
    {
        if (!receive(message))
        {
            Unhandled(message);
        }
        return true;
    }

    protected internal virtual void AroundPreStart() => PreStart();

    protected internal virtual void AroundPostStop() => PostStop();

    protected internal virtual void AroundPreRestart(Exception cause, object? message) => PreRestart(cause, message);

    protected internal virtual void AroundPostRestart(Exception cause) => PostRestart(cause);

    /// <summary>A fresh unbounded stash bound to this actor (stashed messages survive restarts).</summary>
    protected internal IStash CreateStash() => Cell.CreateStash();
}
