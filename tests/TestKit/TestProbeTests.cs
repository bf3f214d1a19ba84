using HFedMoE.Runtime.Actor;

namespace HFedMoE.TestKit.Tests;

/// <summary>
/// The probe's queue and assertion logic, driven without an actor system: the probe's receiving
/// end here is a bare reference that hands messages straight to the probe.
/// </summary>
public sealed class TestProbeTests : IDisposable
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(100);
    private readonly TestProbe _probe = NewProbe(TestKitSettings.Default);

    public void Dispose() => _probe.Dispose();

    private static TestProbe NewProbe(TestKitSettings settings) => new(settings, p => new DirectRef(p));

    [Fact]
    public void ExpectMsg_returns_the_message_and_records_its_sender()
    {
        var sender = new RecordingActorRef("sender");
        _probe.Tell("hello", sender);

        Assert.Equal("hello", _probe.ExpectMsg<string>());
        Assert.Same(sender, _probe.LastSender);
        Assert.Equal("hello", _probe.LastMessage);
    }

    [Fact]
    public void ExpectMsg_of_the_wrong_type_names_expected_and_actual()
    {
        _probe.Tell(42);

        var e = Assert.Throws<TestKitAssertionException>(() => _probe.ExpectMsg<string>());

        Assert.Contains("expected a message of type String", e.Message, StringComparison.Ordinal);
        Assert.Contains("got 42 (Int32) from no sender", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExpectMsg_by_value_and_by_predicate_name_the_mismatch()
    {
        _probe.Tell("world");
        var byValue = Assert.Throws<TestKitAssertionException>(() => _probe.ExpectMsg("hello"));
        Assert.Contains("expected \"hello\"", byValue.Message, StringComparison.Ordinal);
        Assert.Contains("got world", byValue.Message, StringComparison.Ordinal);

        _probe.Tell(7);
        var byPredicate = Assert.Throws<TestKitAssertionException>(() => _probe.ExpectMsg<int>(n => n % 2 == 0, hint: "even"));
        Assert.Contains("predicate (even) was false", byPredicate.Message, StringComparison.Ordinal);

        _probe.Tell(8);
        Assert.Equal(8, _probe.ExpectMsg<int>(n => n % 2 == 0));
    }

    [Fact]
    public void ExpectMsg_timeout_fails_with_the_dilated_wait_in_the_message()
    {
        using var slow = NewProbe(TestKitSettings.Default with { TimeFactor = 2.0 });

        var e = Assert.Throws<TestKitAssertionException>(() => slow.ExpectMsg<string>(TimeSpan.FromMilliseconds(50)));

        Assert.Contains("timeout (00:00:00.1000000)", e.Message, StringComparison.Ordinal);
        Assert.Contains("String", e.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromMilliseconds(100), slow.Dilated(TimeSpan.FromMilliseconds(50)));
    }

    [Fact]
    public void ExpectNoMsg_passes_on_silence_and_fails_on_a_waiting_message()
    {
        _probe.ExpectNoMsg(TimeSpan.FromMilliseconds(20));

        _probe.Tell("late");
        var e = Assert.Throws<TestKitAssertionException>(() => _probe.ExpectNoMsg(TimeSpan.FromSeconds(30)));
        Assert.Contains("got late", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReceiveN_ExpectMsgAnyOf_and_ExpectMsgAllOf()
    {
        foreach (var m in new object[] { 1, 2, 3, "b", "a", "x" })
        {
            _probe.Tell(m);
        }

        Assert.Equal([1, 2, 3], _probe.ReceiveN(3));
        Assert.Equal(["a", "b"], _probe.ExpectMsgAllOf("a", "b").Order());
        Assert.Equal("x", _probe.ExpectMsgAnyOf("y", "x"));

        var e = Assert.Throws<TestKitAssertionException>(() => _probe.ReceiveN(2, Short));
        Assert.Contains("waiting for 2 messages; got 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FishForMessage_skips_until_a_match_and_reports_what_it_skipped()
    {
        _probe.Tell("noise");
        _probe.Tell(1);
        _probe.Tell(2);

        Assert.Equal(2, _probe.FishForMessage<int>(n => n == 2));

        _probe.Tell("more noise");
        var e = Assert.Throws<TestKitAssertionException>(() => _probe.FishForMessage(m => m is double, Short, "a double"));
        Assert.Contains("(a double)", e.Message, StringComparison.Ordinal);
        Assert.Contains("skipped [\"more noise\"]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Within_limits_inner_expectations_to_the_time_left()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<TestKitAssertionException>(() =>
            _probe.Within(TimeSpan.FromMilliseconds(150), () => _probe.ExpectMsg<string>()));

        Assert.Contains("timeout", e.Message, StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(2.5), "the default 3 s expect ignored the Within deadline");
    }

    [Fact]
    public void A_nested_Within_only_narrows_the_deadline()
    {
        _probe.Within(TimeSpan.FromMilliseconds(500), () =>
        {
            _probe.Within(TimeSpan.FromSeconds(30), () =>
                Assert.True(_probe.Remaining <= TimeSpan.FromMilliseconds(500), $"inner Remaining {_probe.Remaining} exceeds the outer 500 ms"));
        });
        Assert.Throws<InvalidOperationException>(() => _probe.Remaining);
    }

    [Fact]
    public void ExpectNoMsg_inside_Within_waits_out_the_block_and_does_not_trip_its_upper_bound()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();

        _probe.Within(TimeSpan.FromMilliseconds(100), () => _probe.ExpectNoMsg());

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(2.5), "ExpectNoMsg() ignored the Within deadline and waited its 3 s default");
    }

    [Fact]
    public async Task An_infinite_max_waits_for_a_late_message()
    {
        var late = Task.Delay(50).ContinueWith(_ => _probe.Tell("late"), TaskScheduler.Default);

        Assert.Equal(["late"], _probe.ReceiveN(1, Timeout.InfiniteTimeSpan));
        await late;
    }

    [Fact]
    public void An_unbounded_Within_still_computes_a_sane_deadline()
    {
        _probe.Within(TimeSpan.MaxValue, () =>
            Assert.True(_probe.Remaining > TimeSpan.FromDays(300), $"Remaining {_probe.Remaining} overflowed"));
    }

    [Fact]
    public void Within_fails_when_the_block_is_too_fast_or_too_slow()
    {
        var tooFast = Assert.Throws<TestKitAssertionException>(() =>
            _probe.Within(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), () => { }));
        Assert.Contains("should have taken at least", tooFast.Message, StringComparison.Ordinal);

        // The inner wait has an explicit 1 s max, so it may outlive the 20 ms block and succeed.
        var tooSlow = Assert.Throws<TestKitAssertionException>(() =>
            _probe.Within(TimeSpan.FromMilliseconds(20), () =>
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                _probe.AwaitCondition(() => clock.Elapsed > TimeSpan.FromMilliseconds(60), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(5));
            }));
        Assert.Contains("exceeding its limit of 00:00:00.0200000", tooSlow.Message, StringComparison.Ordinal);

        _probe.Tell("in time");
        Assert.Equal("in time", _probe.Within(TimeSpan.Zero, TimeSpan.FromSeconds(1), () => _probe.ExpectMsg<string>()));
    }

    [Fact]
    public void AwaitAssert_retries_until_the_assertion_passes()
    {
        int attempts = 0;

        _probe.AwaitAssert(() => Assert.True(++attempts >= 3), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(1));

        Assert.Equal(3, attempts);
    }

    [Fact]
    public void AwaitAssert_fails_with_the_last_assertion_message_after_the_limit()
    {
        var e = Assert.Throws<TestKitAssertionException>(() =>
            _probe.AwaitAssert(() => Assert.Equal(1, 2), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(10)));

        Assert.Contains("still failing after", e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<Xunit.Sdk.XunitException>(e.InnerException);
    }

    [Fact]
    public void IgnoreMessages_drops_matching_messages_until_reset()
    {
        _probe.IgnoreMessages<string>(s => s.StartsWith("heartbeat", StringComparison.Ordinal));
        _probe.Tell("heartbeat 1");
        _probe.Tell("data");
        Assert.Equal("data", _probe.ExpectMsg<string>());
        _probe.ExpectNoMsg(TimeSpan.FromMilliseconds(10));

        _probe.IgnoreNoMessages();
        _probe.Tell("heartbeat 2");
        Assert.Equal("heartbeat 2", _probe.ExpectMsg<string>());
    }

    [Fact]
    public void Reply_and_Forward_use_the_last_sender()
    {
        var client = new RecordingActorRef("client");
        var next = new RecordingActorRef("next");
        _probe.Tell("request", client);
        _probe.ExpectMsg("request");

        _probe.Reply("response");
        _probe.Forward(next);

        Assert.Equal(("response", (IActorRef?)_probe.Ref), Assert.Single(client.Received));
        Assert.Equal(("request", (IActorRef?)client), Assert.Single(next.Received));
    }

    [Fact]
    public void An_autopilot_answers_until_it_switches_itself_off()
    {
        var client = new RecordingActorRef("client");
        _probe.SetAutoPilot(m =>
        {
            m.Sender?.Tell("ack " + m.Message, _probe.Ref);
            return !Equals(m.Message, "last");
        });

        _probe.Tell("first", client);
        _probe.Tell("last", client);
        _probe.Tell("after", client);

        Assert.Equal(["ack first", "ack last"], client.Messages);
        Assert.Equal(["first", "last", "after"], _probe.ReceiveN(3));
    }

    private sealed class DirectRef(TestProbe probe) : IActorRef
    {
        public ActorPath Path { get; } = ActorPath.Root(new Address(Address.DefaultProtocol, "test")).Child("probe");

        public void Tell(object message, IActorRef? sender) => probe.Deliver(message, sender);

        public bool Equals(IActorRef? other) => ReferenceEquals(this, other);
    }
}
