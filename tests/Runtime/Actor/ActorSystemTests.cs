using System.Collections.Concurrent;
using HFedMoE.Runtime.Actor;

namespace HFedMoE.Runtime.Tests.Actor;

public sealed class ActorSystemTests
{
    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(m => Sender.Tell(m, Self));
    }

    private sealed class Parent : ReceiveActor
    {
        public Parent(ConcurrentQueue<string> stops, string name, int children)
        {
            for (int i = 0; i < children; i++)
            {
                Context.ActorOf(Props.Create(() => new Parent(stops, name + "/c" + i, 0)), "c" + i);
            }
            Receive<string>(s => s == "children", _ => Sender.Tell(Context.Children.Count));
            OnStop = () => stops.Enqueue(name);
        }

        private Action OnStop { get; }

        protected override void PostStop() => OnStop();
    }

    private sealed class ChildMaker : ReceiveActor
    {
        public ChildMaker()
        {
            Receive<string>(name => Sender.Tell(Context.ActorOf(Props.Create<Echo>(), name)));
            Receive<Props>(p => Sender.Tell(Context.ActorOf(p)));
        }
    }

    [Fact]
    public void Paths_carry_the_system_address_and_the_guardian()
    {
        using var sys = ActorTestSystem.Create(name: "paths");
        var a = sys.ActorOf(Props.Create<ChildMaker>(), "a");
        var b = ActorTestSystem.Await(a.Ask<IActorRef>("b"));
        Assert.Equal("hfedmoe://paths/user/a", a.Path.ToString());
        Assert.Equal("hfedmoe://paths/user/a/b", b.Path.ToString());
        string[] elements = ["user", "a", "b"];
        Assert.Equal(elements, b.Path.Elements);
        Assert.Equal(a.Path, b.Path.Parent);
        Assert.Equal("hfedmoe://paths/deadLetters", sys.DeadLetters.Path.ToString());
        Assert.Equal(b.Path, ActorPath.Parse("hfedmoe://paths/user/a/b"));
        Assert.Equal("hfedmoe://sys@host:2552", ActorPath.Parse("hfedmoe://sys@host:2552/user/x").Address.ToString());
    }

    [Fact]
    public void Duplicate_and_illegal_names_are_rejected_and_generated_names_start_with_dollar()
    {
        using var sys = ActorTestSystem.Create();
        sys.ActorOf(Props.Create<Echo>(), "same");
        var dup = Assert.Throws<InvalidActorNameException>(() => sys.ActorOf(Props.Create<Echo>(), "same"));
        Assert.Contains("not unique", dup.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidActorNameException>(() => sys.ActorOf(Props.Create<Echo>(), "has space"));
        Assert.Throws<InvalidActorNameException>(() => sys.ActorOf(Props.Create<Echo>(), "$reserved"));
        Assert.Throws<InvalidActorNameException>(() => sys.ActorOf(Props.Create<Echo>(), ""));
        Assert.Throws<InvalidActorNameException>(() => sys.ActorOf(Props.Create<Echo>(), "a/b"));

        var maker = sys.ActorOf(Props.Create<ChildMaker>());
        Assert.Equal("$a", maker.Path.Name);
        var c1 = ActorTestSystem.Await(maker.Ask<IActorRef>(Props.Create<Echo>()));
        var c2 = ActorTestSystem.Await(maker.Ask<IActorRef>(Props.Create<Echo>()));
        Assert.Equal("$a", c1.Path.Name);
        Assert.Equal("$b", c2.Path.Name);
        Assert.NotEqual(c1, c2);
    }

    [Fact]
    public void A_stopped_childs_name_is_free_again_after_its_termination()
    {
        using var sys = ActorTestSystem.Create();
        var probe = new Probe(sys);
        var first = sys.ActorOf(Props.Create<Echo>(), "reuse");
        var watcher = sys.ActorOf(Props.Create(() => new WatchAndReport(first, probe.Ref)));
        ActorTestSystem.Await(watcher.Ask<string>("ready"));
        sys.Stop(first);
        probe.Expect<Terminated>();
        var second = sys.ActorOf(Props.Create<Echo>(), "reuse");
        Assert.Equal(first.Path, second.Path);
        Assert.NotEqual(first, second);
        Assert.Equal("ok", ActorTestSystem.Await(second.Ask<string>("ok")));
    }

    private sealed class WatchAndReport : ReceiveActor
    {
        public WatchAndReport(IActorRef subject, IActorRef report)
        {
            Context.Watch(subject);
            Receive<string>(_ => Sender.Tell("ready"));
            Receive<Terminated>(t => report.Tell(t));
        }
    }

    [Fact]
    public void Terminate_stops_children_before_parents_and_user_actors_before_WhenTerminated()
    {
        var stops = new ConcurrentQueue<string>();
        var sys = ActorTestSystem.Create();
        var top = sys.ActorOf(Props.Create(() => new Parent(stops, "top", 3)), "top");
        var runtime = sys.SystemActorOf(Props.Create(() => new Parent(stops, "system-actor", 0)), "runtime");
        Assert.Equal("hfedmoe://test/system/runtime", runtime.Path.ToString());
        Assert.Equal(3, ActorTestSystem.Await(top.Ask<int>("children")));
        Assert.Equal(0, ActorTestSystem.Await(runtime.Ask<int>("children")));
        ActorTestSystem.Await(sys.Terminate());
        Assert.True(sys.WhenTerminated.IsCompleted);
        var order = stops.ToArray();
        Assert.Equal(5, order.Length);
        // Children before their parent, and all of /user before anything under /system.
        Assert.Equal("top", order[^2]);
        Assert.Equal("system-actor", order[^1]);
        Assert.Throws<InvalidOperationException>(() => sys.ActorOf(Props.Create<Echo>()));
    }

    [Fact]
    public void Coordinated_shutdown_runs_phases_in_order_then_terminates()
    {
        var sys = ActorTestSystem.Create();
        var ran = new ConcurrentQueue<string>();
        var cs = CoordinatedShutdown.Get(sys);
        Assert.Same(cs, CoordinatedShutdown.Get(sys));
        cs.AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "late", () =>
        {
            ran.Enqueue("before-actor-system-terminate");
            return Task.CompletedTask;
        });
        cs.AddTask(CoordinatedShutdown.PhaseServiceUnbind, "unbind", async () =>
        {
            await Task.Yield();
            ran.Enqueue("service-unbind");
        });
        cs.AddTask(CoordinatedShutdown.PhaseClusterLeave, "leave", () =>
        {
            ran.Enqueue("cluster-leave");
            return Task.CompletedTask;
        });
        Assert.Throws<ArgumentException>(() => cs.AddTask("no-such-phase", "x", () => Task.CompletedTask));

        var run1 = cs.Run(ShutdownReason.Unknown);
        var run2 = cs.Run(ShutdownReason.ClrExit);
        Assert.Same(run1, run2);
        ActorTestSystem.Await(run1);
        ActorTestSystem.Await(sys.WhenTerminated);
        string[] expected = ["service-unbind", "cluster-leave", "before-actor-system-terminate"];
        Assert.Equal(expected, ran.ToArray());
        Assert.Equal(ShutdownReason.Unknown, cs.Reason);
    }

    [Fact]
    public void A_phase_that_times_out_is_skipped_after_its_timeout_on_the_scheduler()
    {
        var scheduler = new ManualScheduler();
        var sys = ActorTestSystem.Create("hfedmoe.actor.coordinated-shutdown.phases.service-stop.timeout = 2s", scheduler);
        var cs = CoordinatedShutdown.Get(sys);
        var never = new TaskCompletionSource();
        var afterRan = new TaskCompletionSource();
        cs.AddTask(CoordinatedShutdown.PhaseServiceStop, "hangs", () => never.Task);
        cs.AddTask(CoordinatedShutdown.PhaseClusterShutdown, "after", () =>
        {
            afterRan.TrySetResult();
            return Task.CompletedTask;
        });
        var terminated = sys.Terminate();
        // The phase waits on the scheduler: nothing moves until time does.
        SpinWait.SpinUntil(() => scheduler.Pending > 0, TimeSpan.FromSeconds(5));
        Assert.False(afterRan.Task.IsCompleted);
        scheduler.Advance(TimeSpan.FromSeconds(2));
        ActorTestSystem.Await(afterRan.Task);
        ActorTestSystem.Await(terminated);
    }

    [Fact]
    public void Extensions_are_created_once_per_system()
    {
        using var sys = ActorTestSystem.Create();
        int created = 0;
        var results = new ConcurrentBag<object>();
        Parallel.For(0, 16, _ => results.Add(sys.GetOrAddExtension(s =>
        {
            Interlocked.Increment(ref created);
            return new object();
        })));
        Assert.Equal(1, created);
        Assert.Single(results.Distinct());
    }

    [Fact]
    public void Selection_resolves_live_actors_and_identify_answers()
    {
        using var sys = ActorTestSystem.Create();
        var echo = sys.ActorOf(Props.Create<Echo>(), "sel");
        var found = ActorTestSystem.Await(sys.ActorSelection("/user/sel").ResolveOne(TimeSpan.FromSeconds(1)));
        Assert.Equal(echo, found);
        Assert.Equal("x", ActorTestSystem.Await(sys.ActorSelection("hfedmoe://test/user/sel").Ask<string>("x")));
        var identity = ActorTestSystem.Await(echo.Ask<ActorIdentity>(new Identify(42)));
        Assert.Equal(42, identity.MessageId);
        Assert.Equal(echo, identity.Subject);
        var none = ActorTestSystem.Await(sys.ActorSelection("/user/missing").Ask<ActorIdentity>(new Identify(7)));
        Assert.Null(none.Subject);
        var missing = Assert.Throws<AggregateException>(() => ActorTestSystem.Await(sys.ActorSelection("/user/missing").ResolveOne(TimeSpan.FromSeconds(1))));
        Assert.IsType<ActorNotFoundException>(missing.InnerException);
    }

    [Fact]
    public void Invalid_system_names_and_unknown_dispatchers_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => ActorSystem.Create("bad name"));
        using var sys = ActorTestSystem.Create();
        var e = Assert.Throws<HFedMoE.Runtime.Configuration.ConfigurationException>(() => sys.ActorOf(Props.Create<Echo>().WithDispatcher("no-such-dispatcher")));
        Assert.Contains("no-such-dispatcher", e.Message, StringComparison.Ordinal);
    }
}
