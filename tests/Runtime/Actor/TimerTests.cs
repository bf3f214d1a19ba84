using HFedMoE.Runtime.Actor;

namespace HFedMoE.Runtime.Tests.Actor;

public sealed class TimerTests
{
    private sealed record Start(object Key, object Message, TimeSpan Delay, bool Periodic = false);

    private sealed record CancelTimer(object Key);

    private sealed class TimerActor : ReceiveActor, IWithTimers
    {
        public TimerActor(IActorRef report)
        {
            Receive<Start>(s =>
            {
                if (s.Periodic)
                {
                    Timers.StartPeriodicTimer(s.Key, s.Message, s.Delay);
                }
                else
                {
                    Timers.StartSingleTimer(s.Key, s.Message, s.Delay);
                }
                Sender.Tell("started");
            });
            Receive<CancelTimer>(c =>
            {
                Timers.Cancel(c.Key);
                Sender.Tell(Timers.IsTimerActive(c.Key));
            });
            Receive<string>(s => s == "active?", _ => Sender.Tell(Timers.IsTimerActive("k")));
            Receive<string>(s => s == "fail", _ => throw new InvalidOperationException("restart me"));
            Receive<ManualResetEventSlim>(gate => gate.Wait(TimeSpan.FromSeconds(10)));
            Receive<string>(s => report.Tell(s));
        }

        public ITimerScheduler Timers { get; set; } = null!;
    }

    private static T Ask<T>(IActorRef a, object m) => ActorTestSystem.Await(a.Ask<T>(m, TimeSpan.FromSeconds(5)));

    [Fact]
    public void Single_timer_fires_once_after_its_delay()
    {
        var scheduler = new ManualScheduler();
        using var sys = ActorTestSystem.Create(scheduler: scheduler);
        var probe = new Probe(sys);
        var a = sys.ActorOf(Props.Create(() => new TimerActor(probe.Ref)));
        Ask<string>(a, new Start("k", "tick", TimeSpan.FromSeconds(1)));
        Assert.True(Ask<bool>(a, "active?"));
        scheduler.Advance(TimeSpan.FromMilliseconds(999));
        probe.ExpectNone(TimeSpan.FromMilliseconds(50));
        scheduler.Advance(TimeSpan.FromMilliseconds(1));
        probe.Expect("tick");
        Assert.False(Ask<bool>(a, "active?"));
        scheduler.Advance(TimeSpan.FromSeconds(5));
        probe.ExpectNone(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Periodic_timer_repeats_until_cancelled()
    {
        var scheduler = new ManualScheduler();
        using var sys = ActorTestSystem.Create(scheduler: scheduler);
        var probe = new Probe(sys);
        var a = sys.ActorOf(Props.Create(() => new TimerActor(probe.Ref)));
        Ask<string>(a, new Start("k", "tick", TimeSpan.FromSeconds(1), Periodic: true));
        for (int i = 0; i < 3; i++)
        {
            scheduler.Advance(TimeSpan.FromSeconds(1));
            probe.Expect("tick");
        }
        Assert.False(Ask<bool>(a, new CancelTimer("k")));
        scheduler.Advance(TimeSpan.FromSeconds(3));
        probe.ExpectNone(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void A_replaced_timers_already_queued_tick_is_never_delivered()
    {
        var scheduler = new ManualScheduler();
        using var sys = ActorTestSystem.Create(scheduler: scheduler);
        var probe = new Probe(sys);
        var a = sys.ActorOf(Props.Create(() => new TimerActor(probe.Ref)));
        Ask<string>(a, new Start("k", "old", TimeSpan.FromSeconds(1)));
        // Hold the actor so the old tick lands in the mailbox behind the replacing Start.
        using var gate = new ManualResetEventSlim();
        a.Tell(gate, null);
        a.Tell(new Start("k", "new", TimeSpan.FromSeconds(1)), null);
        scheduler.Advance(TimeSpan.FromSeconds(1));
        gate.Set();
        Assert.True(Ask<bool>(a, "active?"));
        probe.ExpectNone(TimeSpan.FromMilliseconds(100));
        scheduler.Advance(TimeSpan.FromSeconds(1));
        probe.Expect("new");
        probe.ExpectNone(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Timers_are_cancelled_on_restart_and_stop()
    {
        var scheduler = new ManualScheduler();
        using var sys = ActorTestSystem.Create(scheduler: scheduler);
        var probe = new Probe(sys);
        var a = sys.ActorOf(Props.Create(() => new TimerActor(probe.Ref)));
        Ask<string>(a, new Start("k", "tick", TimeSpan.FromSeconds(1), Periodic: true));
        a.Tell("fail", null);
        Assert.False(Ask<bool>(a, "active?"));
        scheduler.Advance(TimeSpan.FromSeconds(3));
        probe.ExpectNone(TimeSpan.FromMilliseconds(100));

        Ask<string>(a, new Start("k", "tick", TimeSpan.FromSeconds(1), Periodic: true));
        sys.Stop(a);
        var w = sys.ActorOf(Props.Create(() => new WatchAndReport(a, probe.Ref)));
        probe.Expect<Terminated>();
        Assert.Equal(0, scheduler.Pending);
    }

    private sealed class WatchAndReport : ReceiveActor
    {
        public WatchAndReport(IActorRef subject, IActorRef report)
        {
            Context.Watch(subject);
            Receive<Terminated>(t => report.Tell(t));
        }
    }

    /// <summary>Round trip that does not touch the receive timeout: once answered, the previous message's reset has happened.</summary>
    private sealed record Sync : INotInfluenceReceiveTimeout;

    private sealed class Idle : ReceiveActor
    {
        public Idle(IActorRef report, TimeSpan timeout)
        {
            Context.SetReceiveTimeout(timeout);
            Receive<ReceiveTimeout>(_ => report.Tell("timeout"));
            Receive<Sync>(s => Sender.Tell(s));
            Receive<string>(s => s == "off", _ =>
            {
                Context.SetReceiveTimeout(null);
                Sender.Tell("off");
            });
            Receive<string>(s => Sender.Tell(s));
        }
    }

    [Fact]
    public void ReceiveTimeout_fires_after_inactivity_is_reset_by_messages_and_can_be_turned_off()
    {
        var scheduler = new ManualScheduler();
        using var sys = ActorTestSystem.Create(scheduler: scheduler);
        var probe = new Probe(sys);
        var a = sys.ActorOf(Props.Create(() => new Idle(probe.Ref, TimeSpan.FromSeconds(2))));
        Assert.Equal("x", Ask<string>(a, "x"));
        Ask<Sync>(a, new Sync());
        scheduler.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal("y", Ask<string>(a, "y"));
        Ask<Sync>(a, new Sync());
        scheduler.Advance(TimeSpan.FromSeconds(1.5));
        probe.ExpectNone(TimeSpan.FromMilliseconds(50));
        scheduler.Advance(TimeSpan.FromSeconds(0.5));
        probe.Expect("timeout");
        // It keeps firing while idle.
        scheduler.Advance(TimeSpan.FromSeconds(2));
        probe.Expect("timeout");
        Assert.Equal("off", Ask<string>(a, "off"));
        Ask<Sync>(a, new Sync());
        scheduler.Advance(TimeSpan.FromSeconds(10));
        probe.ExpectNone(TimeSpan.FromMilliseconds(50));
    }
}
