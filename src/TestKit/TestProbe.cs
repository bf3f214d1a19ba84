using System.Collections.Concurrent;
using System.Diagnostics;
using HFedMoE.Runtime.Actor;

namespace HFedMoE.TestKit;

/// <summary>
/// A scripted stand-in for an actor: its <see cref="Ref"/> is a real actor in the system that
/// puts every message it receives (with its sender) into a queue, and the Expect/Receive methods
/// take from that queue, blocking with a timeout. Inject probes where the code under test expects
/// collaborators, then assert on what they were sent.
/// </summary>
/// <remarks>
/// Every wait is multiplied by <c>hfedmoe.test.timefactor</c>. A probe's methods are meant to be
/// called from one test thread; the queue itself is fed from actor threads.
/// </remarks>
public sealed partial class TestProbe : IDisposable
{
    private readonly BlockingCollection<ReceivedMessage> _queue = new(new ConcurrentQueue<ReceivedMessage>());
    private volatile Func<object, bool>? _ignore;
    private volatile Func<ReceivedMessage, bool>? _autoPilot;
    private ReceivedMessage? _last;

    /// <summary>
    /// A probe in <paramref name="system"/> for tests that do not derive from <see cref="TestKit"/>
    /// (its actor lives under <c>/system</c>; timing from the system's <c>hfedmoe.test</c> section).
    /// </summary>
    public TestProbe(ActorSystem system, string? name = null)
        : this(TestKitSettings.FromConfig(NotNull(system).Config), p => system.SystemActorOf(Props.Create(() => new ProbeActor(p)), name))
    {
    }

    internal TestProbe(TestKitSettings settings, Func<TestProbe, IActorRef> createReceiver)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(createReceiver);
        Settings = settings;
        Ref = createReceiver(this);
    }

    /// <summary>The probe's actor; pass it wherever the code under test expects an actor.</summary>
    public IActorRef Ref { get; }

    public TestKitSettings Settings { get; }

    /// <summary>The sender of the last message taken from the queue (null before any, or for no sender).</summary>
    public IActorRef? LastSender => _last?.Sender;

    /// <summary>The last message taken from the queue.</summary>
    public object? LastMessage => _last?.Message;

    /// <summary>True when a received message is waiting in the queue.</summary>
    public bool HasMessages => _queue.Count > 0;

    /// <summary>Sends <paramref name="message"/> to the probe itself (as if from <paramref name="sender"/>).</summary>
    public void Tell(object message, IActorRef? sender = null) => Ref.Tell(message, sender);

    /// <summary>Sends <paramref name="message"/> to <paramref name="target"/> with the probe as sender.</summary>
    public void Send(ICanTell target, object message)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Tell(message, Ref);
    }

    /// <summary>Replies to <see cref="LastSender"/> with the probe as sender.</summary>
    public void Reply(object message)
    {
        var sender = LastSender ?? throw new InvalidOperationException("Reply: the probe has not received a message with a sender yet");
        sender.Tell(message, Ref);
    }

    /// <summary>Forwards the last received message (or <paramref name="message"/>) to <paramref name="target"/>, keeping the original sender.</summary>
    public void Forward(ICanTell target, object? message = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        var last = _last ?? throw new InvalidOperationException("Forward: the probe has not received a message yet");
        target.Tell(message ?? last.Message, last.Sender);
    }

    /// <summary>Drops every future message for which <paramref name="ignore"/> is true (before it reaches the queue).</summary>
    public void IgnoreMessages(Func<object, bool> ignore)
    {
        ArgumentNullException.ThrowIfNull(ignore);
        _ignore = ignore;
    }

    /// <summary>Drops every future message of type <typeparamref name="T"/> (matching <paramref name="ignore"/>, if given).</summary>
    public void IgnoreMessages<T>(Func<T, bool>? ignore = null) =>
        IgnoreMessages(m => m is T t && (ignore is null || ignore(t)));

    /// <summary>Stops ignoring messages.</summary>
    public void IgnoreNoMessages() => _ignore = null;

    /// <summary>
    /// Runs <paramref name="autoPilot"/> on the probe's actor for every incoming message (before it
    /// is queued; the message is still queued). Return false from it to switch the pilot off.
    /// Use it to make a probe answer like a real collaborator: <c>(m) =&gt; { m.Sender?.Tell(reply, probe.Ref); return true; }</c>.
    /// </summary>
    public void SetAutoPilot(Func<ReceivedMessage, bool>? autoPilot) => _autoPilot = autoPilot;

    /// <summary><paramref name="duration"/> multiplied by the configured time factor.</summary>
    public TimeSpan Dilated(TimeSpan duration) => Settings.Dilated(duration);

    /// <summary>Takes the next message, waiting at most <paramref name="max"/> (default: remaining Within time or single-expect-default).</summary>
    public ReceivedMessage ReceiveOne(TimeSpan? max = null)
    {
        var wait = RemainingOrDilated(max);
        return TryTake(wait) ?? throw Fail($"Timeout ({wait}) while waiting for a message");
    }

    /// <summary>Takes the next message if one arrives within <paramref name="max"/>; null otherwise.</summary>
    public ReceivedMessage? TryReceiveOne(TimeSpan max) => TryTake(max);

    public void Dispose() => _queue.Dispose();

    /// <summary>Called by the probe's actor for every message it receives.</summary>
    internal void Deliver(object message, IActorRef? sender)
    {
        var envelope = new ReceivedMessage(message, sender);
        var pilot = _autoPilot;
        if (pilot is not null && !pilot(envelope))
        {
            _autoPilot = null;
        }
        if (_ignore is { } ignore && ignore(message))
        {
            return;
        }
        try
        {
            _queue.Add(envelope);
        }
        catch (ObjectDisposedException)
        {
            // The test finished and disposed the probe; late messages have nowhere to go.
        }
    }

    private static long Timestamp() => Stopwatch.GetTimestamp();

    private static TimeSpan Since(long start) => Stopwatch.GetElapsedTime(start);

    /// <summary>What is left of <paramref name="limit"/> since <paramref name="start"/>; infinite stays infinite.</summary>
    private static TimeSpan Left(TimeSpan limit, long start) =>
        limit == Timeout.InfiniteTimeSpan ? limit : Max(TimeSpan.Zero, limit - Since(start));

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private ReceivedMessage? TryTake(TimeSpan max)
    {
        ReceivedMessage? item;
        bool got;
        if (max == Timeout.InfiniteTimeSpan || max.TotalMilliseconds >= int.MaxValue)
        {
            got = _queue.TryTake(out item, Timeout.Infinite);
        }
        else if (max <= TimeSpan.Zero)
        {
            got = _queue.TryTake(out item);
        }
        else
        {
            // Round up: a sub-millisecond remainder must still wait, not poll.
            got = _queue.TryTake(out item, (int)Math.Ceiling(max.TotalMilliseconds));
        }
        if (got)
        {
            _last = item;
            return item;
        }
        return null;
    }

    private static TestKitAssertionException Fail(string message) => new(message);

    private static ActorSystem NotNull(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return system;
    }
}
