using HFedMoE.Runtime.Actor.Dispatch;

namespace HFedMoE.Runtime.Actor;

/// <summary>
/// What an actor sees of its own cell: identity, family, behaviour switching, watching and
/// timeouts. Use it only from the actor's own message processing (it is not thread-safe).
/// </summary>
public interface IActorContext
{
    IActorRef Self { get; }

    /// <summary>The sender of the message being processed; <see cref="ActorSystem.DeadLetters"/> when there is none.</summary>
    IActorRef Sender { get; }

    IActorRef Parent { get; }

    Props Props { get; }

    ActorSystem System { get; }

    MessageDispatcher Dispatcher { get; }

    /// <summary>A snapshot of the live children.</summary>
    IReadOnlyCollection<IActorRef> Children { get; }

    /// <summary>The child named <paramref name="name"/>, or null.</summary>
    IActorRef? Child(string name);

    /// <summary>Creates a child; <paramref name="name"/> must be unique among siblings (null: generated <c>$a</c>, <c>$b</c>…).</summary>
    IActorRef ActorOf(Props props, string? name = null);

    /// <summary>Stops <paramref name="actor"/> (a child or Self) after its current message.</summary>
    void Stop(IActorRef actor);

    /// <summary>Delivers <see cref="Terminated"/> when <paramref name="subject"/> stops (at once if it already has).</summary>
    IActorRef Watch(IActorRef subject);

    /// <summary>Like <see cref="Watch"/>, but delivers <paramref name="message"/> instead of <see cref="Terminated"/>.</summary>
    IActorRef WatchWith(IActorRef subject, object message);

    /// <summary>Stops watching; a Terminated for <paramref name="subject"/> not yet processed is dropped.</summary>
    IActorRef Unwatch(IActorRef subject);

    /// <summary>Replaces the current behaviour.</summary>
    void Become(Receive receive);

    /// <summary>Pushes a behaviour; <see cref="UnbecomeStacked"/> returns to the previous one.</summary>
    void BecomeStacked(Receive receive);

    void UnbecomeStacked();

    /// <summary>Sends <see cref="Actor.ReceiveTimeout"/> after this much inactivity, repeatedly; null turns it off.</summary>
    void SetReceiveTimeout(TimeSpan? timeout);

    TimeSpan? ReceiveTimeout { get; }

    /// <summary>Sends <paramref name="message"/> to <paramref name="target"/> keeping the current sender.</summary>
    void Forward(IActorRef target, object message);
}
