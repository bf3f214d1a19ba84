using System.Collections.Concurrent;
using System.Diagnostics;
using HFedMoE.Runtime.Actor;
using HFedMoE.Runtime.Actor.Event;

namespace HFedMoE.TestKit;

/// <summary>
/// Runs a block of test code while counting the matching events published on the EventStream,
/// then asserts the count. Created by <see cref="EventFilterFactory"/>.
/// </summary>
public sealed class EventFilterApplier
{
    private const int SampleSize = 10;

    private readonly EventStream _stream;
    private readonly Address _address;
    private readonly TestKitSettings _settings;
    private readonly Type _channel;
    private readonly string _description;
    private readonly Func<object, bool> _isMatch;

    internal EventFilterApplier(EventStream stream, Address address, TestKitSettings settings, Type channel, string description, Func<object, bool> isMatch)
    {
        _stream = stream;
        _address = address;
        _settings = settings;
        _channel = channel;
        _description = description;
        _isMatch = isMatch;
    }

    /// <summary>Runs <paramref name="action"/> and asserts exactly one matching event was published.</summary>
    public void ExpectOne(Action action) => Expect(1, action);

    /// <inheritdoc cref="ExpectOne(Action)"/>
    public T ExpectOne<T>(Func<T> function) => Expect(1, function);

    /// <summary>
    /// Runs <paramref name="action"/>, then waits up to <paramref name="max"/> (default
    /// filter-leeway, dilated) for <paramref name="expectedCount"/> matching events, and fails if
    /// fewer arrived or if more had arrived by then.
    /// </summary>
    public void Expect(int expectedCount, Action action, TimeSpan? max = null)
    {
        ArgumentNullException.ThrowIfNull(action);
        Expect<object?>(expectedCount, () =>
        {
            action();
            return null;
        }, max);
    }

    /// <inheritdoc cref="Expect(int, Action, TimeSpan?)"/>
    public T Expect<T>(int expectedCount, Func<T> function, TimeSpan? max = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedCount);
        var limit = _settings.Dilated(max ?? _settings.FilterLeeway);
        var collector = new Collector(_address, _isMatch);
        _stream.Subscribe(collector, _channel);
        try
        {
            var result = function();
            long start = Stopwatch.GetTimestamp();
            while (collector.MatchCount < expectedCount)
            {
                var left = limit - Stopwatch.GetElapsedTime(start);
                if (left <= TimeSpan.Zero || !collector.WaitForMatch(collector.MatchCount, left))
                {
                    if (collector.MatchCount >= expectedCount)
                    {
                        break;
                    }
                    throw new TestKitAssertionException(
                        $"EventFilter {_description}: expected {expectedCount} matching event(s) within {limit}, got {collector.MatchCount}{collector.DescribeOthers()}");
                }
            }
            if (collector.MatchCount > expectedCount)
            {
                throw new TestKitAssertionException(
                    $"EventFilter {_description}: expected {expectedCount} matching event(s), got {collector.MatchCount}: [{string.Join("; ", collector.Matches)}]");
            }
            return result;
        }
        finally
        {
            _stream.Unsubscribe(collector, _channel);
        }
    }

    /// <summary>A bare reference the EventStream delivers to synchronously, on the publishing thread.</summary>
    private sealed class Collector(Address address, Func<object, bool> isMatch) : IActorRef
    {
        // A monitor rather than a semaphore: a publisher that read the subscription snapshot
        // just before Unsubscribe may still call Tell afterwards, and must not hit a disposed object.
        private readonly object _gate = new();
        private readonly ConcurrentQueue<object> _matches = new();
        private readonly ConcurrentQueue<object> _others = new();

        // A uid no real actor gets, so equality with live references is never true by accident.
        public ActorPath Path { get; } = ActorPath.Root(address).Child("system").Child("testkit-event-filter", -Random.Shared.Next(1, int.MaxValue));

        public int MatchCount => _matches.Count;

        public IEnumerable<object> Matches => _matches;

        public void Tell(object message, IActorRef? sender)
        {
            if (isMatch(message))
            {
                lock (_gate)
                {
                    _matches.Enqueue(message);
                    Monitor.PulseAll(_gate);
                }
            }
            else if (_others.Count < SampleSize)
            {
                _others.Enqueue(message);
            }
        }

        /// <summary>Waits until a match arrives that was not yet counted by <paramref name="seen"/>.</summary>
        public bool WaitForMatch(int seen, TimeSpan max)
        {
            lock (_gate)
            {
                return _matches.Count > seen || Monitor.Wait(_gate, max);
            }
        }

        public string DescribeOthers() => _others.IsEmpty
            ? "; no other events on the channel"
            : $"; other events on the channel: [{string.Join("; ", _others)}]";

        public bool Equals(IActorRef? other) => ReferenceEquals(this, other);

        public override bool Equals(object? obj) => ReferenceEquals(this, obj);

        public override int GetHashCode() => Path.Uid;

        public override string ToString() => Path.ToString();
    }
}
