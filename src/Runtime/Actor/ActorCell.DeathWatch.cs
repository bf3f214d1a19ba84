using HFedMoE.Runtime.Actor.Dispatch;

namespace HFedMoE.Runtime.Actor;

/// <summary>
/// DeathWatch. The watcher records whom it watches and tells the watchee (Watch signal); the
/// watchee remembers its watchers and, once stopped, sends each (and its parent) a death notice.
/// The watcher turns the notice into a <see cref="Terminated"/> user message to itself, and only
/// delivers it if it is still watching when that message is dequeued (so Unwatch drops it).
/// </summary>
internal sealed partial class ActorCell
{
    public IActorRef Watch(IActorRef subject) => WatchInternal(subject, null);

    public IActorRef WatchWith(IActorRef subject, object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return WatchInternal(subject, message);
    }

    public IActorRef Unwatch(IActorRef subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (_extras?.Watching is { } watching && watching.Remove(subject))
        {
            if (subject is LocalActorRef local)
            {
                local.Cell.SendSystemMessage(new Unwatch(subject, SelfRef));
            }
        }
        _extras?.TerminatedQueued?.Remove(subject);
        return subject;
    }

    private IActorRef WatchInternal(IActorRef subject, object? customMessage)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (subject.Equals(SelfRef))
        {
            return subject;
        }
        var watching = Extras.Watching ??= [];
        if (watching.ContainsKey(subject))
        {
            watching[subject] = customMessage;
            return subject;
        }
        watching[subject] = customMessage;
        if (subject is LocalActorRef local)
        {
            local.Cell.SendSystemMessage(new Watch(subject, SelfRef));
        }
        else if (subject is IInternalActorRef { IsTerminated: true })
        {
            SendSystemMessage(new DeathWatchNotification(subject, existenceConfirmed: false, addressTerminated: false));
        }
        return subject;
    }

    /// <summary>On the watchee: remember a watcher (or answer at once if already stopping).</summary>
    private void AddWatcher(IActorRef watchee, IActorRef watcher)
    {
        if (!watchee.Equals(SelfRef) || watcher.Equals(SelfRef))
        {
            return;
        }
        (Extras.WatchedBy ??= []).Add(watcher);
    }

    private void RemoveWatcher(IActorRef watchee, IActorRef watcher)
    {
        if (watchee.Equals(SelfRef))
        {
            _extras?.WatchedBy?.Remove(watcher);
        }
    }

    private void HandleDeathWatchNotification(IActorRef actor, bool existenceConfirmed, bool addressTerminated)
    {
        if (_extras?.Watching is { } watching && watching.Remove(actor, out var custom))
        {
            if (!_terminating)
            {
                (Extras.TerminatedQueued ??= [])[actor] = custom;
                SendMessage(new WatchedActorTerminated(new Terminated(actor, existenceConfirmed, addressTerminated)), actor);
            }
        }
        if (RemoveChild(actor))
        {
            OnChildTerminated();
        }
    }

    /// <summary>A queued Terminated reached the head of the mailbox: deliver it if still watching.</summary>
    private object? ReceivedTerminated(WatchedActorTerminated notice)
    {
        var terminated = notice.Terminated;
        if (_extras?.TerminatedQueued is not { } queued || !queued.Remove(terminated.ActorRef, out var custom))
        {
            return null;
        }
        var message = custom ?? terminated;
        DeliverUnwrapped(message);
        return message;
    }

    /// <summary>Tells everyone watching (and the parent) that this actor is gone.</summary>
    private void NotifyWatchersOfTermination()
    {
        var notice = SelfRef;
        bool parentNotified = false;
        if (_extras?.WatchedBy is { } watchers)
        {
            foreach (var w in watchers)
            {
                if (w is LocalActorRef local)
                {
                    parentNotified |= ReferenceEquals(local.Cell, _parent);
                    local.Cell.SendSystemMessage(new DeathWatchNotification(notice, existenceConfirmed: true, addressTerminated: false));
                }
            }
            watchers.Clear();
        }
        if (_parent is not null && !parentNotified)
        {
            _parent.SendSystemMessage(new DeathWatchNotification(notice, existenceConfirmed: true, addressTerminated: false));
        }
    }

    /// <summary>Stop watching everyone before stopping (their death notices no longer matter).</summary>
    private void UnwatchWatchedActors()
    {
        if (_extras?.Watching is not { Count: > 0 } watching)
        {
            return;
        }
        foreach (var subject in watching.Keys)
        {
            if (subject is LocalActorRef local)
            {
                local.Cell.SendSystemMessage(new Unwatch(subject, SelfRef));
            }
        }
        watching.Clear();
        _extras.TerminatedQueued?.Clear();
    }
}

/// <summary>
/// The Terminated a watcher sends itself on a death notice; unwrapped on dequeue only if the watch
/// is still in place. (A Terminated sent or forwarded by anyone else is an ordinary message.)
/// </summary>
internal sealed record WatchedActorTerminated(Terminated Terminated) : IAutoReceivedMessage;
