using System.Collections.Concurrent;

namespace HFedMoE.Runtime.Actor.Event;

/// <summary>
/// The system-wide publish/subscribe bus for events such as <see cref="DeadLetter"/>, log events
/// and lifecycle notices. A subscriber to a channel type receives every published event whose
/// type is that channel or derives from / implements it, and receives each event at most once
/// even when several of its channels match.
/// </summary>
/// <remarks>
/// Publishing is on hot paths (every dead letter, every log line), so it takes no lock: the
/// subscription set is an immutable snapshot replaced on every (rare) change, and each snapshot
/// carries its own cache of "event type → subscribers". A publish that races a change therefore
/// sees either the old or the new set, never a mix, and a cache entry can never outlive the
/// subscriptions it was computed from.
/// </remarks>
public sealed class EventStream
{
    private readonly object _writeGate = new();
    private volatile Snapshot _snapshot = new([]);

    /// <summary>Subscribes to <paramref name="channel"/>; false if already subscribed to exactly that channel.</summary>
    public bool Subscribe(IActorRef subscriber, Type channel)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentNullException.ThrowIfNull(channel);
        lock (_writeGate)
        {
            var current = _snapshot.Subscriptions;
            if (Array.Exists(current, s => s.Matches(subscriber, channel)))
            {
                return false;
            }
            _snapshot = new Snapshot([.. current, new Subscription(subscriber, channel)]);
            return true;
        }
    }

    /// <summary>Removes one channel subscription; false if there was none.</summary>
    public bool Unsubscribe(IActorRef subscriber, Type channel)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentNullException.ThrowIfNull(channel);
        lock (_writeGate)
        {
            var current = _snapshot.Subscriptions;
            var remaining = Array.FindAll(current, s => !s.Matches(subscriber, channel));
            if (remaining.Length == current.Length)
            {
                return false;
            }
            _snapshot = new Snapshot(remaining);
            return true;
        }
    }

    /// <summary>Removes every subscription of <paramref name="subscriber"/> (e.g. when it terminates).</summary>
    public void Unsubscribe(IActorRef subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        lock (_writeGate)
        {
            var current = _snapshot.Subscriptions;
            var remaining = Array.FindAll(current, s => !s.Subscriber.Equals(subscriber));
            if (remaining.Length != current.Length)
            {
                _snapshot = new Snapshot(remaining);
            }
        }
    }

    /// <summary>Delivers <paramref name="evt"/> with no sender to every matching subscriber.</summary>
    public void Publish(object evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var targets = _snapshot.SubscribersFor(evt.GetType());
        foreach (var subscriber in targets)
        {
            subscriber.Tell(evt, null);
        }
    }

    private readonly record struct Subscription(IActorRef Subscriber, Type Channel)
    {
        public bool Matches(IActorRef subscriber, Type channel) => Channel == channel && Subscriber.Equals(subscriber);
    }

    private sealed class Snapshot(Subscription[] subscriptions)
    {
        private readonly ConcurrentDictionary<Type, IActorRef[]> _byEventType = new();

        public Subscription[] Subscriptions { get; } = subscriptions;

        public IActorRef[] SubscribersFor(Type eventType)
        {
            if (Subscriptions.Length == 0)
            {
                return [];
            }
            return _byEventType.GetOrAdd(eventType, Resolve, Subscriptions);
        }

        private static IActorRef[] Resolve(Type eventType, Subscription[] subscriptions)
        {
            var result = new List<IActorRef>();
            foreach (var s in subscriptions)
            {
                if (s.Channel.IsAssignableFrom(eventType) && !result.Contains(s.Subscriber))
                {
                    result.Add(s.Subscriber);
                }
            }
            return [.. result];
        }
    }
}
