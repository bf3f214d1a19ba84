using HFedMoE.Runtime.Actor;
using HFedMoE.Runtime.Actor.Event;

namespace HFedMoE.Runtime.Tests.Actor;

public sealed class DeathWatchTests
{
    private sealed record WatchIt(IActorRef Subject, object? Custom = null);

    private sealed record UnwatchIt(IActorRef Subject);

    private sealed class Watcher : ReceiveActor
    {
        public Watcher(IActorRef report)
        {
            Receive<WatchIt>(w =>
            {
                if (w.Custom is null)
                {
                    Context.Watch(w.Subject);
                }
                else
                {
                    Context.WatchWith(w.Subject, w.Custom);
                }
                Sender.Tell("watching");
            });
            Receive<UnwatchIt>(u =>
            {
                Context.Unwatch(u.Subject);
                Sender.Tell("unwatched");
            });
            Receive<Terminated>(t => report.Tell(t));
            Receive<string>(s => report.Tell(s));
        }
    }

    private sealed class Victim : ReceiveActor
    {
        public Victim()
        {
            Receive<string>(s => s == "fail", _ => throw new InvalidOperationException("victim failed"));
            Receive<string>(s => s == "stop", _ => Context.Stop(Self));
            Receive<string>(s => s == "ping", _ => Sender.Tell("pong"));
        }
    }

    [Fact]
    public void Watcher_gets_Terminated_after_stop()
    {
        using var sys = ActorTestSystem.Create();
        var probe = new Probe(sys);
        var victim = sys.ActorOf(Props.Create<Victim>());
        var watcher = sys.ActorOf(Props.Create(() => new Watcher(probe.Ref)));
        Assert.Equal("watching", ActorTestSystem.Await(watcher.Ask<string>(new WatchIt(victim))));
        victim.Tell("stop", null);
        var t = probe.Expect<Terminated>();
        Assert.Equal(victim, t.ActorRef);
        Assert.True(t.ExistenceConfirmed);
        Assert.False(t.AddressTerminated);
    }

    [Fact]
    public void Watcher_gets_Terminated_when_the_subject_is_stopped_by_its_supervisor_after_a_failure()
    {
        using var sys = ActorTestSystem.Create();
        var probe = new Probe(sys);
        var parent = sys.ActorOf(Props.Create(() => new StoppingParent()));
        var victim = ActorTestSystem.Await(parent.Ask<IActorRef>("child"));
        var watcher = sys.ActorOf(Props.Create(() => new Watcher(probe.Ref)));
        ActorTestSystem.Await(watcher.Ask<string>(new WatchIt(victim)));
        victim.Tell("fail", null);
        Assert.Equal(victim, probe.Expect<Terminated>().ActorRef);
    }

    private sealed class StoppingParent : ReceiveActor
    {
        public StoppingParent()
        {
            var child = Context.ActorOf(Props.Create<Victim>(), "victim");
            Receive<string>(_ => Sender.Tell(child));
        }

        protected override SupervisorStrategy SupervisorStrategy() => HFedMoE.Runtime.Actor.SupervisorStrategy.StoppingStrategy;
    }

    [Fact]
    public void WatchWith_delivers_the_custom_message()
    {
        using var sys = ActorTestSystem.Create();
        var probe = new Probe(sys);
        var victim = sys.ActorOf(Props.Create<Victim>());
        var watcher = sys.ActorOf(Props.Create(() => new Watcher(probe.Ref)));
        ActorTestSystem.Await(watcher.Ask<string>(new WatchIt(victim, "victim is gone")));
        sys.Stop(victim);
        probe.Expect("victim is gone");
        probe.ExpectNone();
    }

    [Fact]
    public void Watching_an_already_dead_actor_gives_Terminated_at_once()
    {
        using var sys = ActorTestSystem.Create();
        var probe = new Probe(sys);
        var first = new Probe(sys);
        var victim = sys.ActorOf(Props.Create<Victim>());
        var w1 = sys.ActorOf(Props.Create(() => new Watcher(first.Ref)));
        ActorTestSystem.Await(w1.Ask<string>(new WatchIt(victim)));
        sys.Stop(victim);
        first.Expect<Terminated>();

        var late = sys.ActorOf(Props.Create(() => new Watcher(probe.Ref)));
        ActorTestSystem.Await(late.Ask<string>(new WatchIt(victim)));
        var t = probe.Expect<Terminated>();
        Assert.Equal(victim, t.ActorRef);
        Assert.False(t.ExistenceConfirmed);
    }

    [Fact]
    public void Unwatch_means_no_Terminated()
    {
        using var sys = ActorTestSystem.Create();
        var probe = new Probe(sys);
        var victim = sys.ActorOf(Props.Create<Victim>());
        var watcher = sys.ActorOf(Props.Create(() => new Watcher(probe.Ref)));
        ActorTestSystem.Await(watcher.Ask<string>(new WatchIt(victim)));
        ActorTestSystem.Await(watcher.Ask<string>(new UnwatchIt(victim)));
        sys.Stop(victim);
        probe.ExpectNone();
    }

    private sealed class IgnoresTerminated : ReceiveActor
    {
        public IgnoresTerminated(IActorRef subject)
        {
            Context.Watch(subject);
            Receive<string>(_ => Sender.Tell("ok"));
        }
    }

    [Fact]
    public void An_unhandled_Terminated_is_a_death_pact_that_stops_the_watcher()
    {
        using var sys = ActorTestSystem.Create();
        var probe = new Probe(sys);
        var logs = new Probe(sys);
        sys.EventStream.Subscribe(logs.Ref, typeof(LogEvent));
        var victim = sys.ActorOf(Props.Create<Victim>());
        var pact = sys.ActorOf(Props.Create(() => new IgnoresTerminated(victim)));
        ActorTestSystem.Await(pact.Ask<string>("ready"));
        var observer = sys.ActorOf(Props.Create(() => new Watcher(probe.Ref)));
        ActorTestSystem.Await(observer.Ask<string>(new WatchIt(pact)));
        sys.Stop(victim);
        Assert.Equal(pact, probe.Expect<Terminated>().ActorRef);
        LogEvent e;
        do
        {
            e = logs.Expect<LogEvent>();
        }
        while (e.Cause is not DeathPactException);
    }

    [Fact]
    public void Messages_to_a_stopped_actor_are_published_as_dead_letters()
    {
        using var sys = ActorTestSystem.Create();
        var probe = new Probe(sys);
        var dead = new Probe(sys);
        sys.EventStream.Subscribe(dead.Ref, typeof(DeadLetter));
        var victim = sys.ActorOf(Props.Create<Victim>());
        var watcher = sys.ActorOf(Props.Create(() => new Watcher(probe.Ref)));
        ActorTestSystem.Await(watcher.Ask<string>(new WatchIt(victim)));
        sys.Stop(victim);
        probe.Expect<Terminated>();
        victim.Tell("late", probe.Ref);
        var letter = dead.Expect<DeadLetter>();
        Assert.Equal("late", letter.Message);
        Assert.Equal(probe.Ref, letter.Sender);
        Assert.Equal(victim, letter.Recipient);
    }

    [Fact]
    public void Dead_letters_are_logged_up_to_the_configured_count()
    {
        using var sys = ActorTestSystem.Create("hfedmoe.actor.log-dead-letters = 2");
        var logs = new Probe(sys);
        sys.EventStream.Subscribe(logs.Ref, typeof(LogEvent));
        for (int i = 0; i < 5; i++)
        {
            sys.DeadLetters.Tell($"lost {i}", null);
        }
        var first = logs.Expect<LogEvent>();
        Assert.Contains("not delivered", first.Message, StringComparison.Ordinal);
        var second = logs.Expect<LogEvent>();
        Assert.Contains("No more dead letters will be logged", second.Message, StringComparison.Ordinal);
        logs.ExpectNone();
    }
}
