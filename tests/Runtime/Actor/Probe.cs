using System.Collections.Concurrent;
using HFedMoE.Runtime.Actor;

namespace HFedMoE.Runtime.Tests.Actor;

/// <summary>
/// A test-only actor that records every message (with its sender) so the test thread can wait
/// for them with a deadline; waits block on the queue, never sleep-and-poll.
/// </summary>
internal sealed class Probe
{
    private readonly BlockingCollection<(object Message, IActorRef? Sender)> _received = [];

    public Probe(ActorSystem system, string? name = null)
    {
        Ref = system.ActorOf(Props.Create(() => new Recorder(_received)), name);
    }

    public IActorRef Ref { get; }

    public IActorRef? LastSender { get; private set; }

    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(5);

    public object ReceiveOne(TimeSpan? timeout = null)
    {
        if (!_received.TryTake(out var item, timeout ?? DefaultTimeout))
        {
            throw new TimeoutException($"probe {Ref.Path} received nothing within {timeout ?? DefaultTimeout}");
        }
        LastSender = item.Sender;
        return item.Message;
    }

    public T Expect<T>(TimeSpan? timeout = null)
    {
        var m = ReceiveOne(timeout);
        return m is T t ? t : throw new InvalidOperationException($"probe expected {typeof(T).Name} but got {m.GetType().Name}: {m}");
    }

    public void Expect(object expected, TimeSpan? timeout = null) => Assert.Equal(expected, ReceiveOne(timeout));

    /// <summary>Fails if any message arrives within <paramref name="window"/> (a bounded wait on the queue).</summary>
    public void ExpectNone(TimeSpan? window = null)
    {
        if (_received.TryTake(out var item, window ?? TimeSpan.FromMilliseconds(200)))
        {
            throw new InvalidOperationException($"probe expected no message but got {item.Message}");
        }
    }

    /// <summary>Non-blocking: whether a message is already queued.</summary>
    public bool HasMessages => _received.Count > 0;

    private sealed class Recorder(BlockingCollection<(object, IActorRef?)> sink) : UntypedActor
    {
        protected override void OnReceive(object message) => sink.Add((message, Sender.Equals(Context.System.DeadLetters) ? null : Sender));
    }
}
