using System.Collections.Concurrent;
using HFedMoE.Runtime.Actor;
using HFedMoE.Runtime.Actor.Event;
using Microsoft.Extensions.Logging;

namespace HFedMoE.Runtime.Tests.Actor;

public sealed class SupervisionTests
{
    private sealed class Boom(string message) : Exception(message);

    /// <summary>Counts messages; "fail" throws; reports lifecycle events to a probe.</summary>
    private sealed class Worker : ReceiveActor
    {
        private int _count;

        public Worker(IActorRef report, string name)
        {
            report.Tell($"{name}:created");
            Receive<string>(s => s == "fail", _ => throw new Boom($"{name} failed"));
            Receive<string>(s => s == "count", _ => report.Tell($"{name}:count={_count}"));
            Receive<string>(s => s == "init-fail", _ => throw new ActorInitializationException("bad"));
            Receive<int>(i =>
            {
                _count++;
                report.Tell($"{name}:got {i}");
            });
            Report = report;
            Name = name;
        }

        private IActorRef Report { get; }

        private string Name { get; }

        protected override void PreRestart(Exception reason, object? message)
        {
            Report.Tell($"{Name}:preRestart({message})");
            base.PreRestart(reason, message);
        }

        protected override void PostRestart(Exception reason)
        {
            Report.Tell($"{Name}:postRestart({reason.Message})");
            base.PostRestart(reason);
        }

        protected override void PostStop() => Report.Tell($"{Name}:stopped");
    }

    /// <summary>Creates the named children under its strategy and forwards commands to them.</summary>
    private sealed class Supervisor : ReceiveActor
    {
        private readonly SupervisorStrategy _strategy;

        public Supervisor(SupervisorStrategy strategy, IActorRef report, string[] children)
        {
            _strategy = strategy;
            foreach (var c in children)
            {
                Context.ActorOf(Props.Create(() => new Worker(report, c)), c);
            }
            Receive<(string Child, object Message)>(cmd => Context.Child(cmd.Child)!.Tell(cmd.Message, Sender));
            Receive<string>(s => s == "ping", _ => Sender.Tell("pong"));
        }

        protected override SupervisorStrategy SupervisorStrategy() => _strategy;
    }

    private static IActorRef StartSupervisor(ActorSystem sys, Probe probe, SupervisorStrategy strategy, params string[] children)
    {
        var sup = sys.ActorOf(Props.Create(() => new Supervisor(strategy, probe.Ref, children)));
        var created = Enumerable.Range(0, children.Length).Select(_ => probe.Expect<string>()).ToHashSet();
        Assert.Equal(children.Select(c => c + ":created").ToHashSet(), created);
        return sup;
    }

    [Fact]
    public void Restart_creates_a_new_instance_keeps_the_mailbox_and_drops_the_failing_message()
    {
        using var sys = ActorTestSystem.Create();
        var probe = new Probe(sys);
        var sup = StartSupervisor(sys, probe, SupervisorStrategy.DefaultStrategy, "w");
        sup.Tell(("w", (object)1), null);
        sup.Tell(("w", (object)"fail"), null);
        sup.Tell(("w", (object)2), null);
        sup.Tell(("w", (object)"count"), null);
        probe.Expect("w:got 1");
        probe.Expect("w:preRestart(fail)");
        probe.Expect("w:stopped");
        probe.Expect("w:created");
        probe.Expect("w:postRestart(w failed)");
        probe.Expect("w:got 2");
        // State was reset by the restart (1 message since), and "fail" was not retried.
        probe.Expect("w:count=1");
        probe.ExpectNone();
    }

    [Fact]
    public void Resume_keeps_the_instance_and_its_state()
    {
        using var sys = ActorTestSystem.Create();
        var probe = new Probe(sys);
        var sup = StartSupervisor(sys, probe, new OneForOneStrategy(_ => Directive.Resume), "w");
        sup.Tell(("w", (object)1), null);
        sup.Tell(("w", (object)"fail"), null);
        sup.Tell(("w", (object)2), null);
        sup.Tell(("w", (object)"count"), null);
        probe.Expect("w:got 1");
        probe.Expect("w:got 2");
        probe.Expect("w:count=2");
    }

    [Fact]
    public void Stop_directive_stops_the_child_and_later_messages_are_dead_letters()
    {
        using var sys = ActorTestSystem.Create();
        var probe = new Probe(sys);
        var deadLetters = new Probe(sys);
        sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));
        var sup = StartSupervisor(sys, probe, new OneForOneStrategy(_ => Directive.Stop), "w");
        sup.Tell(("w", (object)"fail"), null);
        probe.Expect("w:stopped");
        var w = sys.Resolve(["user", sup.Path.Name, "w"]);
        Assert.True(w is null || ((IInternalActorRef)w).IsTerminated);
        probe.ExpectNone(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void One_for_one_restarts_only_the_failed_child_all_for_one_restarts_all()
    {
        using (var sys = ActorTestSystem.Create())
        {
            var probe = new Probe(sys);
            var sup = StartSupervisor(sys, probe, new OneForOneStrategy(_ => Directive.Restart), "a", "b");
            sup.Tell(("a", (object)"fail"), null);
            var events = Enumerable.Range(0, 4).Select(_ => probe.Expect<string>()).ToList();
            Assert.All(events, e => Assert.StartsWith("a:", e, StringComparison.Ordinal));
            probe.ExpectNone();
        }
        using (var sys = ActorTestSystem.Create())
        {
            var probe = new Probe(sys);
            var sup = StartSupervisor(sys, probe, new AllForOneStrategy(_ => Directive.Restart), "a", "b");
            sup.Tell(("b", (object)"fail"), null);
            var events = Enumerable.Range(0, 8).Select(_ => probe.Expect<string>()).ToList();
            Assert.Contains("a:postRestart(b failed)", events);
            Assert.Contains("b:postRestart(b failed)", events);
            Assert.Contains("b:preRestart(fail)", events);
            Assert.Contains("a:preRestart()", events);
        }
    }

    [Fact]
    public void All_for_one_stop_stops_every_child()
    {
        using var sys = ActorTestSystem.Create();
        var probe = new Probe(sys);
        var sup = StartSupervisor(sys, probe, new AllForOneStrategy(_ => Directive.Stop), "a", "b");
        sup.Tell(("a", (object)"fail"), null);
        var events = new[] { probe.Expect<string>(), probe.Expect<string>() }.ToHashSet();
        Assert.Equal(new HashSet<string> { "a:stopped", "b:stopped" }, events);
    }

    [Fact]
    public void Exceeding_the_retry_limit_within_the_window_stops_the_child()
    {
        var scheduler = new ManualScheduler();
        using var sys = ActorTestSystem.Create(scheduler: scheduler);
        var probe = new Probe(sys);
        var strategy = new OneForOneStrategy(2, TimeSpan.FromSeconds(10), _ => Directive.Restart);
        var sup = StartSupervisor(sys, probe, strategy, "w");
        void FailAndExpectRestart()
        {
            sup.Tell(("w", (object)"fail"), null);
            probe.Expect("w:preRestart(fail)");
            probe.Expect("w:stopped");
            probe.Expect("w:created");
            probe.Expect("w:postRestart(w failed)");
        }
        FailAndExpectRestart();
        FailAndExpectRestart();
        // A third failure inside the 10 s window exceeds maxNrOfRetries = 2.
        scheduler.Advance(TimeSpan.FromSeconds(5));
        sup.Tell(("w", (object)"fail"), null);
        probe.Expect("w:stopped");
        probe.ExpectNone();
    }

    [Fact]
    public void Restarts_spread_beyond_the_window_are_allowed()
    {
        var scheduler = new ManualScheduler();
        using var sys = ActorTestSystem.Create(scheduler: scheduler);
        var probe = new Probe(sys);
        var sup = StartSupervisor(sys, probe, new OneForOneStrategy(1, TimeSpan.FromSeconds(10), _ => Directive.Restart), "w");
        for (int i = 0; i < 3; i++)
        {
            sup.Tell(("w", (object)"fail"), null);
            probe.Expect("w:preRestart(fail)");
            probe.Expect("w:stopped");
            probe.Expect("w:created");
            probe.Expect("w:postRestart(w failed)");
            scheduler.Advance(TimeSpan.FromSeconds(11));
        }
    }

    /// <summary>Middle actor escalates everything; reports its own restarts.</summary>
    private sealed class Escalating : ReceiveActor
    {
        public Escalating(IActorRef report)
        {
            var child = Context.ActorOf(Props.Create(() => new Worker(report, "leaf")), "leaf");
            ReceiveAny(m => child.Tell(m, Sender));
            Report = report;
        }

        private IActorRef Report { get; }

        protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Escalate);

        protected override void PostRestart(Exception reason)
        {
            Report.Tell($"middle:postRestart({reason.Message})");
        }
    }

    private sealed class Grandparent : ReceiveActor
    {
        public Grandparent(IActorRef report, ConcurrentQueue<Exception> decided)
        {
            var middle = Context.ActorOf(Props.Create(() => new Escalating(report)), "middle");
            ReceiveAny(m => middle.Tell(m, Sender));
            Decided = decided;
        }

        private ConcurrentQueue<Exception> Decided { get; }

        protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(e =>
        {
            Decided.Enqueue(e);
            return Directive.Restart;
        });
    }

    [Fact]
    public void Escalate_hands_the_failure_to_the_grandparent()
    {
        using var sys = ActorTestSystem.Create();
        var probe = new Probe(sys);
        var decided = new ConcurrentQueue<Exception>();
        var gp = sys.ActorOf(Props.Create(() => new Grandparent(probe.Ref, decided)));
        probe.Expect("leaf:created");
        gp.Tell("fail", null);
        // The middle actor restarts (default PreRestart stops the leaf); the leaf is recreated by the new middle.
        var events = Enumerable.Range(0, 3).Select(_ => probe.Expect<string>()).ToList();
        Assert.Contains("leaf:stopped", events);
        Assert.Contains("middle:postRestart(leaf failed)", events);
        Assert.Contains("leaf:created", events);
        Assert.Single(decided);
        Assert.IsType<Boom>(decided.Single());
    }

    [Fact]
    public void An_escalating_user_guardian_terminates_the_system_when_a_top_level_actor_fails()
    {
        using var sys = ActorTestSystem.Create("hfedmoe.actor.guardian-supervisor-strategy = escalating");
        var probe = new Probe(sys);
        var worker = sys.ActorOf(Props.Create(() => new Worker(probe.Ref, "top")));
        probe.Expect("top:created");
        worker.Tell("fail", null);
        ActorTestSystem.Await(sys.WhenTerminated);
    }

    [Fact]
    public void A_stopping_user_guardian_stops_the_failed_top_level_actor_and_keeps_the_system()
    {
        using var sys = ActorTestSystem.Create("hfedmoe.actor.guardian-supervisor-strategy = stopping");
        var probe = new Probe(sys);
        var worker = sys.ActorOf(Props.Create(() => new Worker(probe.Ref, "top")));
        probe.Expect("top:created");
        sys.ActorOf(Props.Create(() => new WatchAndReport(worker, probe.Ref)));
        worker.Tell("fail", null);
        probe.Expect("top:stopped");
        Assert.Equal(worker, probe.Expect<Terminated>().ActorRef);
        Assert.False(sys.WhenTerminated.IsCompleted);
    }

    [Fact]
    public void An_unknown_guardian_strategy_is_rejected_naming_the_key_and_the_choices()
    {
        var e = Assert.ThrowsAny<Exception>(() => ActorTestSystem.Create("hfedmoe.actor.guardian-supervisor-strategy = crash"));
        Assert.Contains("guardian-supervisor-strategy", e.Message, StringComparison.Ordinal);
        Assert.Contains("default, stopping or escalating", e.Message, StringComparison.Ordinal);
    }

    private sealed class FailsInConstructor : ReceiveActor
    {
        public FailsInConstructor() => throw new InvalidOperationException("ctor failed");
    }

    [Fact]
    public void Default_decider_stops_on_initialization_kill_and_death_pact_and_restarts_otherwise()
    {
        Assert.Equal(Directive.Stop, SupervisorStrategy.DefaultDecider(new ActorInitializationException()));
        Assert.Equal(Directive.Stop, SupervisorStrategy.DefaultDecider(new ActorKilledException()));
        Assert.Equal(Directive.Stop, SupervisorStrategy.DefaultDecider(new DeathPactException()));
        Assert.Equal(Directive.Restart, SupervisorStrategy.DefaultDecider(new InvalidOperationException()));

        using var sys = ActorTestSystem.Create();
        var watcher = new Probe(sys);
        var broken = sys.ActorOf(Props.Create<FailsInConstructor>());
        sys.ActorOf(Props.Create(() => new WatchAndReport(broken, watcher.Ref)));
        var t = watcher.Expect<Terminated>();
        Assert.Equal(broken, t.ActorRef);
    }

    private sealed class WatchAndReport : ReceiveActor
    {
        public WatchAndReport(IActorRef subject, IActorRef report)
        {
            Context.Watch(subject);
            Receive<Terminated>(t => report.Tell(t));
        }
    }

    [Fact]
    public void Failures_are_logged_with_the_exception_as_log_events()
    {
        using var sys = ActorTestSystem.Create();
        var probe = new Probe(sys);
        var logs = new Probe(sys);
        sys.EventStream.Subscribe(logs.Ref, typeof(LogEvent));
        var sup = StartSupervisor(sys, probe, SupervisorStrategy.DefaultStrategy, "w");
        sup.Tell(("w", (object)"fail"), null);
        LogEvent e;
        do
        {
            e = logs.Expect<LogEvent>();
        }
        while (e.Level != LogLevel.Error);
        Assert.IsType<Boom>(e.Cause);
        Assert.EndsWith("/w", e.LogSource, StringComparison.Ordinal);
        Assert.Contains("Restart", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Top_level_actor_is_restarted_by_the_user_guardian_by_default()
    {
        using var sys = ActorTestSystem.Create();
        var probe = new Probe(sys);
        var w = sys.ActorOf(Props.Create(() => new Worker(probe.Ref, "top")));
        probe.Expect("top:created");
        w.Tell("fail", null);
        probe.Expect("top:preRestart(fail)");
        probe.Expect("top:stopped");
        probe.Expect("top:created");
        probe.Expect("top:postRestart(top failed)");
        Assert.False(sys.WhenTerminated.IsCompleted);
    }
}
