using HFedMoE.Runtime.Actor;

namespace HFedMoE.Runtime.Tests.Actor;

public sealed class StashTests
{
    /// <summary>Stashes ints until "open", then unstashes them all.</summary>
    private sealed class Gate : ReceiveActor, IWithUnboundedStash
    {
        public Gate(IActorRef report)
        {
            Receive<string>(s => s == "open", _ =>
            {
                Become(() =>
                {
                    Receive<int>(i => report.Tell(i));
                    Receive<string>(s => s == "fail", _ => throw new InvalidOperationException("boom"));
                });
                Stash.UnstashAll();
            });
            Receive<string>(s => s == "fail", _ => throw new InvalidOperationException("boom"));
            Receive<string>(s => s == "twice", _ =>
            {
                Stash.Stash();
                try
                {
                    Stash.Stash();
                }
                catch (IllegalActorStateException e)
                {
                    report.Tell(e.GetType().Name);
                }
            });
            Receive<int>(_ => Stash.Stash());
            Report = report;
        }

        public IStash Stash { get; set; } = null!;

        private IActorRef Report { get; }

        protected override void PostRestart(Exception reason) => Report.Tell("restarted");
    }

    [Fact]
    public void UnstashAll_replays_stashed_messages_in_order_before_newer_ones()
    {
        using var sys = ActorTestSystem.Create();
        var probe = new Probe(sys);
        var gate = sys.ActorOf(Props.Create(() => new Gate(probe.Ref)));
        for (int i = 0; i < 5; i++)
        {
            gate.Tell(i, null);
        }
        gate.Tell("open", null);
        gate.Tell(99, null);
        foreach (var expected in new[] { 0, 1, 2, 3, 4, 99 })
        {
            probe.Expect(expected);
        }
    }

    [Fact]
    public void Stashed_messages_survive_a_restart()
    {
        using var sys = ActorTestSystem.Create();
        var probe = new Probe(sys);
        var gate = sys.ActorOf(Props.Create(() => new Gate(probe.Ref)));
        gate.Tell(1, null);
        gate.Tell(2, null);
        gate.Tell("fail", null);
        gate.Tell(3, null);
        probe.Expect("restarted");
        gate.Tell("open", null);
        // The new instance re-stashed 1, 2 (they were requeued first), then 3.
        probe.Expect(1);
        probe.Expect(2);
        probe.Expect(3);
    }

    [Fact]
    public void Stashing_the_same_message_twice_throws()
    {
        using var sys = ActorTestSystem.Create();
        var probe = new Probe(sys);
        var gate = sys.ActorOf(Props.Create(() => new Gate(probe.Ref)));
        gate.Tell("twice", null);
        probe.Expect(nameof(IllegalActorStateException));
    }

    /// <summary>
    /// Stashes everything until "open": a death notice, a timer message and a receive timeout that
    /// arrive while stashing must all be delivered after UnstashAll, like any other message.
    /// </summary>
    private sealed class StashingWatcher : ReceiveActor, IWithUnboundedStash, IWithTimers
    {
        public StashingWatcher(IActorRef report, IActorRef watched)
        {
            Context.Watch(watched);
            Receive<string>(s => s == "open", _ =>
            {
                Become(() =>
                {
                    Receive<Terminated>(t => report.Tell(t));
                    Receive<string>(s => report.Tell(s));
                });
                Stash.UnstashAll();
            });
            ReceiveAny(m => { Stash.Stash(); report.Tell($"stashed {m.GetType().Name}"); });
        }

        public IStash Stash { get; set; } = null!;

        public ITimerScheduler Timers { get; set; } = null!;

        // Timers and Stash are injected after construction.
        protected override void PreStart() => Timers.StartSingleTimer("tick", "timer-fired", TimeSpan.Zero);
    }

    [Fact]
    public void A_stashed_death_notice_and_timer_message_are_delivered_on_unstash()
    {
        using var sys = ActorTestSystem.Create();
        var probe = new Probe(sys);
        var watched = sys.ActorOf(Props.Create(() => new Gate(probe.Ref)));
        var watcher = sys.ActorOf(Props.Create(() => new StashingWatcher(probe.Ref, watched)));
        probe.Expect("stashed String");      // the zero-delay timer's message
        sys.Stop(watched);
        probe.Expect("stashed Terminated");
        watcher.Tell("open", null);
        probe.Expect("timer-fired");
        Assert.Equal(watched, probe.Expect<Terminated>().ActorRef);
    }
}
