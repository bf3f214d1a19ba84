using HFedMoE.Runtime.Actor;
using HFedMoE.Runtime.Actor.Event;
using HFedMoE.Runtime.Actor.Logging;
using HFedMoE.Runtime.Configuration;

namespace HFedMoE.TestKit.Tests;

/// <summary>The TestKit base class against a real actor system: implicit sender, probes, DeathWatch, log filters.</summary>
public sealed class TestKitTests : TestKit
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void Messages_sent_from_the_test_carry_TestActor_as_sender_so_replies_come_back()
    {
        var echo = ActorOf(() => new Echo(), "echo");

        Send(echo, "hello");

        Assert.Equal("hello", ExpectMsg<string>());
        Assert.Equal(echo, LastSender);

        Send(echo, "again");
        Assert.Equal("again", ExpectMsgFrom<string>(echo));
    }

    [Fact]
    public void A_probe_has_its_own_queue()
    {
        var echo = ActorOf(() => new Echo());
        var probe = CreateTestProbe();

        probe.Send(echo, 42);

        Assert.Equal(42, probe.ExpectMsg<int>());
        Assert.Equal(echo, probe.LastSender);
        ExpectNoMsg(Short);
    }

    [Fact]
    public void A_probe_can_be_created_on_any_system_without_the_base_class()
    {
        using var other = ActorSystem.Create("other");
        using var probe = new TestProbe(other, "standalone");
        var echo = other.ActorOf(Props.Create(() => new Echo()));

        probe.Send(echo, "hi");

        Assert.Equal("hi", probe.ExpectMsg<string>());
        Assert.Equal("standalone", probe.Ref.Path.Name);
    }

    [Fact]
    public async Task A_probe_with_an_autopilot_can_answer_an_Ask()
    {
        var probe = CreateTestProbe();
        probe.SetAutoPilot(m =>
        {
            m.Sender?.Tell("answer to " + m.Message, probe.Ref);
            return true;
        });

        var reply = await probe.Ref.Ask<string>("question", TimeSpan.FromSeconds(5));

        Assert.Equal("answer to question", reply);
        Assert.Equal("question", probe.ExpectMsg<string>());
    }

    [Fact]
    public void ExpectTerminated_sees_a_watched_actor_stop()
    {
        var victim = ActorOf(() => new Echo());
        var probe = CreateTestProbe();
        probe.Watch(victim);

        Sys.Stop(victim);

        var terminated = probe.ExpectTerminated(victim);
        Assert.True(terminated.ExistenceConfirmed);
    }

    [Fact]
    public void ExpectTerminated_for_another_actor_fails_naming_both()
    {
        var victim = ActorOf(() => new Echo(), "victim");
        var bystander = ActorOf(() => new Echo(), "bystander");
        Watch(victim);
        Sys.Stop(victim);

        var e = Assert.Throws<TestKitAssertionException>(() => ExpectTerminated(bystander));

        Assert.Contains("expected Terminated for", e.Message, StringComparison.Ordinal);
        Assert.Contains("bystander", e.Message, StringComparison.Ordinal);
        Assert.Contains("victim", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EventFilter_catches_a_dead_letter()
    {
        var gone = ActorOf(() => new Echo());
        Watch(gone);
        Sys.Stop(gone);
        ExpectTerminated(gone);

        EventFilter.DeadLetter<string>(s => s == "lost").ExpectOne(() => gone.Tell("lost", TestActor));
    }

    [Fact]
    public void EventFilter_catches_an_actor_exception()
    {
        var fragile = ActorOf(() => new Fragile());

        EventFilter.Exception<InvalidOperationException>(contains: "bad input").ExpectOne(() => fragile.Tell("bad input", null));
    }

    [Fact]
    public void EventFilter_counts_log_lines_by_level_and_text()
    {
        var chatty = ActorOf(() => new Chatty());

        EventFilter.Warning(start: "careful").Expect(2, () =>
        {
            chatty.Tell("careful 1", null);
            chatty.Tell("careful 2", null);
        });
    }

    [Fact]
    public void EventFilter_fails_when_the_event_does_not_come_and_shows_what_did()
    {
        var chatty = ActorOf(() => new Chatty());

        var e = Assert.Throws<TestKitAssertionException>(() =>
            EventFilter.Warning(contains: "never").Expect(1, () => chatty.Tell("careful", null), Short));

        Assert.Contains("expected 1 matching event(s)", e.Message, StringComparison.Ordinal);
        Assert.Contains("got 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EventFilter_fails_on_too_many_matches()
    {
        var chatty = ActorOf(() => new Chatty());

        var e = Assert.Throws<TestKitAssertionException>(() => EventFilter.Warning(start: "careful").ExpectOne(() =>
        {
            chatty.Tell("careful 1", null);
            chatty.Tell("careful 2", null);
            chatty.Tell("sync", TestActor);
            ExpectMsg("sync");
        }));

        Assert.Contains("got 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unwatch_stops_Terminated_notices()
    {
        var actor = ActorOf(() => new Echo());
        var probe = CreateTestProbe();
        probe.Watch(actor);
        probe.Unwatch(actor);

        Sys.Stop(actor);

        probe.ExpectNoMsg(Short);
    }

    [Fact]
    public void An_actor_subscribed_to_the_EventStream_receives_unhandled_message_notices()
    {
        var listener = CreateTestProbe();
        Sys.EventStream.Subscribe(listener.Ref, typeof(UnhandledMessage));
        var fragile = ActorOf(() => new Fragile());

        fragile.Tell(42, TestActor);

        var notice = listener.ExpectMsg<UnhandledMessage>();
        Assert.Equal(42, notice.Message);
        Assert.Equal(TestActor, notice.Sender);
        Assert.Equal(fragile, notice.Recipient);
    }

    [Fact]
    public void Dilation_keeps_infinite_waits_infinite_and_saturates_instead_of_wrapping()
    {
        var slow = TestKitSettings.Default with { TimeFactor = 4 };

        Assert.Equal(Timeout.InfiniteTimeSpan, slow.Dilated(Timeout.InfiniteTimeSpan));
        Assert.Equal(TimeSpan.MaxValue, slow.Dilated(TimeSpan.FromDays(10_000_000)));
        Assert.Equal(TimeSpan.FromSeconds(2), slow.Dilated(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public void Invalid_test_settings_are_rejected_with_the_key_named()
    {
        var e = Assert.Throws<ConfigurationException>(() =>
            TestKitSettings.FromConfig(ConfigurationFactory.ParseString("hfedmoe.test.timefactor = 0")));

        Assert.Contains("hfedmoe.test.timefactor", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Within_on_the_TestKit_bounds_the_implicit_probe()
    {
        var echo = ActorOf(() => new Echo());

        Within(TimeSpan.FromSeconds(3), () =>
        {
            Send(echo, 1);
            Send(echo, 2);
            Assert.Equal([1, 2], ReceiveN(2));
        });
    }

    [Fact]
    public async Task Dispose_fails_loudly_when_the_system_does_not_terminate_in_time()
    {
        using var release = new ManualResetEventSlim();
        var kit = new ShortShutdownKit();
        kit.Sys.ActorOf(Props.Create(() => new StubbornStopper(release)));

        var e = Assert.Throws<TestKitAssertionException>(kit.Dispose);

        release.Set();
        Assert.Contains("did not terminate within", e.Message, StringComparison.Ordinal);
        await kit.Sys.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void The_time_factor_comes_from_config()
    {
        using var kit = new SlowMachineKit();

        Assert.Equal(2.5, kit.TestKitSettings.TimeFactor);
        Assert.Equal(TimeSpan.FromSeconds(5), kit.Dilated(TimeSpan.FromSeconds(2)));
        Assert.Equal(TimeSpan.FromSeconds(7.5), kit.RemainingOrDefault);
    }

    private sealed class ShortShutdownKit() : TestKit("hfedmoe.test.shutdown-timeout = 300ms");

    private sealed class SlowMachineKit() : TestKit("hfedmoe.test.timefactor = 2.5");

    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(m => Sender.Tell(m, Self));
    }

    private sealed class Fragile : ReceiveActor
    {
        public Fragile() => Receive<string>(s => throw new InvalidOperationException("cannot handle " + s));
    }

    private sealed class Chatty : ReceiveActor
    {
        public Chatty()
        {
            var log = Context.GetLogger();
            Receive<string>(s => s == "sync", s => Sender.Tell(s, Self));
            Receive<string>(s => log.Warning(s));
        }
    }

    private sealed class StubbornStopper(ManualResetEventSlim release) : ReceiveActor
    {
        protected override void PostStop() => release.Wait(TimeSpan.FromSeconds(30));
    }
}
