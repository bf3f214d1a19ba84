using HFedMoE.Runtime.Actor;
using HFedMoE.Runtime.Actor.Event;

namespace HFedMoE.Runtime.Tests.Actor;

public sealed class ReceiveActorTests
{
    private sealed class Moody : ReceiveActor
    {
        public Moody()
        {
            Receive<string>(s => s == "happy", _ => Become(Happy));
            Receive<string>(s => s == "push", _ => BecomeStacked(Angry));
            Receive<string>(s => Sender.Tell("neutral:" + s));
            Receive<int>(i => i > 10, i => Sender.Tell("big"));
            Receive<int>(i =>
            {
                if (i < 0)
                {
                    return false;
                }
                Sender.Tell("small");
                return true;
            });
        }

        private void Happy()
        {
            Receive<string>(s => s == "push", _ => BecomeStacked(Angry));
            Receive<string>(s => Sender.Tell("happy:" + s));
        }

        private void Angry()
        {
            Receive<string>(s => s == "pop", _ => UnbecomeStacked());
            Receive<string>(s => Sender.Tell("angry:" + s));
        }
    }

    [Fact]
    public async Task Become_replaces_and_BecomeStacked_pushes_behaviour()
    {
        using var sys = ActorTestSystem.Create();
        var m = sys.ActorOf(Props.Create<Moody>());
        var t = TimeSpan.FromSeconds(5);
        Assert.Equal("neutral:x", await m.Ask<string>("x", t));
        Assert.Equal("big", await m.Ask<string>(11, t));
        Assert.Equal("small", await m.Ask<string>(1, t));
        m.Tell("push", null);
        Assert.Equal("angry:x", await m.Ask<string>("x", t));
        m.Tell("pop", null);
        Assert.Equal("neutral:x", await m.Ask<string>("x", t));
        m.Tell("happy", null);
        Assert.Equal("happy:x", await m.Ask<string>("x", t));
        m.Tell("push", null);
        Assert.Equal("angry:x", await m.Ask<string>("x", t));
        m.Tell("pop", null);
        Assert.Equal("happy:x", await m.Ask<string>("x", t));
    }

    [Fact]
    public void Unmatched_messages_are_published_as_UnhandledMessage()
    {
        using var sys = ActorTestSystem.Create();
        var unhandled = new Probe(sys);
        sys.EventStream.Subscribe(unhandled.Ref, typeof(UnhandledMessage));
        var m = sys.ActorOf(Props.Create<Moody>());
        m.Tell(-5, unhandled.Ref);
        m.Tell(3.14, null);
        var u1 = unhandled.Expect<UnhandledMessage>();
        Assert.Equal(-5, u1.Message);
        Assert.Equal(unhandled.Ref, u1.Sender);
        Assert.Equal(m, u1.Recipient);
        Assert.Equal(3.14, unhandled.Expect<UnhandledMessage>().Message);
    }

    private sealed class AsyncWorker : ReceiveActor
    {
        public AsyncWorker(IActorRef report)
        {
            ReceiveAsync<(string Name, Task Gate)>(async job =>
            {
                report.Tell(job.Name + ":start");
                await job.Gate;
                report.Tell(job.Name + ":end");
                Sender.Tell(job.Name + ":replied");
            });
            Receive<string>(s => report.Tell(s));
        }
    }

    [Fact]
    public void ReceiveAsync_holds_later_messages_until_the_task_completes_and_keeps_the_sender()
    {
        using var sys = ActorTestSystem.Create();
        var probe = new Probe(sys);
        var replies = new Probe(sys);
        var worker = sys.ActorOf(Props.Create(() => new AsyncWorker(probe.Ref)));
        var gate = new TaskCompletionSource();
        worker.Tell(("a", (Task)gate.Task), replies.Ref);
        worker.Tell("next", null);
        probe.Expect("a:start");
        probe.ExpectNone(TimeSpan.FromMilliseconds(150));
        gate.SetResult();
        probe.Expect("a:end");
        replies.Expect("a:replied");
        probe.Expect("next");
    }

    private sealed class FailingAsync : ReceiveActor
    {
        public FailingAsync(IActorRef report)
        {
            ReceiveAsync<string>(async s =>
            {
                await Task.Yield();
                throw new InvalidOperationException("async " + s);
            });
            Report = report;
        }

        private IActorRef Report { get; }

        protected override void PostRestart(Exception reason) => Report.Tell("restarted:" + reason.Message);
    }

    [Fact]
    public void A_faulted_async_handler_fails_the_actor()
    {
        using var sys = ActorTestSystem.Create();
        var probe = new Probe(sys);
        var a = sys.ActorOf(Props.Create(() => new FailingAsync(probe.Ref)));
        a.Tell("x", null);
        probe.Expect("restarted:async x");
    }

    private sealed class Recorder(IActorRef report) : UntypedActor
    {
        protected override void OnReceive(object message) => report.Tell(message);

        protected override void PostStop() => report.Tell("stopped");
    }

    [Fact]
    public void PoisonPill_is_processed_in_order_Kill_stops_via_ActorKilledException()
    {
        using var sys = ActorTestSystem.Create();
        var probe = new Probe(sys);
        var dead = new Probe(sys);
        sys.EventStream.Subscribe(dead.Ref, typeof(DeadLetter));
        var a = sys.ActorOf(Props.Create(() => new Recorder(probe.Ref)));
        a.Tell(1, null);
        a.Tell(PoisonPill.Instance, null);
        a.Tell(2, null);
        probe.Expect(1);
        probe.Expect("stopped");
        Assert.Equal(2, dead.Expect<DeadLetter>().Message);

        var logs = new Probe(sys);
        sys.EventStream.Subscribe(logs.Ref, typeof(LogEvent));
        var k = sys.ActorOf(Props.Create(() => new Recorder(probe.Ref)));
        k.Tell(1, null);
        k.Tell(Kill.Instance, null);
        probe.Expect(1);
        probe.Expect("stopped");
        LogEvent e;
        do
        {
            e = logs.Expect<LogEvent>();
        }
        while (e.Cause is null);
        Assert.IsType<ActorKilledException>(e.Cause);
    }

    [Fact]
    public void Forward_keeps_the_original_sender()
    {
        using var sys = ActorTestSystem.Create();
        var probe = new Probe(sys);
        var target = sys.ActorOf(Props.Create<Echo>());
        var middle = sys.ActorOf(Props.Create(() => new ForwardTo(target)));
        middle.Tell("hello", probe.Ref);
        probe.Expect("hello");
        Assert.Equal(target, probe.LastSender);
        middle.Tell(42, probe.Ref);
        probe.Expect(42);
        Assert.Equal(target, probe.LastSender);
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(m => Sender.Tell(m, Self));
    }

    private sealed class ForwardTo : ReceiveActor
    {
        public ForwardTo(IActorRef target)
        {
            Receive<string>(s => target.Forward(s));
            Receive<int>(i => Context.Forward(target, i));
        }
    }

    private sealed class LateRegistration : ReceiveActor
    {
        public LateRegistration() => Receive<string>(_ =>
        {
            try
            {
                Receive<int>(_ => { });
                Sender.Tell("allowed");
            }
            catch (InvalidOperationException e)
            {
                Sender.Tell(e.Message);
            }
        });
    }

    [Fact]
    public async Task Handlers_cannot_be_registered_outside_constructor_or_Become()
    {
        using var sys = ActorTestSystem.Create();
        var a = sys.ActorOf(Props.Create<LateRegistration>());
        Assert.Contains("only be registered", await a.Ask<string>("x", TimeSpan.FromSeconds(5)), StringComparison.Ordinal);
    }

    [Fact]
    public void Creating_an_actor_with_new_is_rejected()
    {
        var e = Assert.Throws<ActorInitializationException>(() => new Echo());
        Assert.Contains("Props", e.Message, StringComparison.Ordinal);
    }

    private sealed class AwaitsGate : ReceiveActor
    {
        public AwaitsGate(IActorRef report)
        {
            ReceiveAsync<Task>(async gate =>
            {
                report.Tell("awaiting");
                await gate;
            });
            Receive<string>(s => s == "fail", _ => throw new InvalidOperationException("sibling failed"));
            Receive<string>(s => report.Tell(s));
            Report = report;
        }

        private IActorRef Report { get; }

        protected override void PostRestart(Exception reason) => Report.Tell("restarted:" + reason.Message);
    }

    private sealed class AllForOneParent : ReceiveActor
    {
        public AllForOneParent(IActorRef report)
        {
            var a = Context.ActorOf(Props.Create(() => new AwaitsGate(report)), "a");
            var b = Context.ActorOf(Props.Create(() => new AwaitsGate(report)), "b");
            Receive<(string To, object Message)>(m => (m.To == "a" ? a : b).Tell(m.Message));
        }

        protected override SupervisorStrategy SupervisorStrategy() => new AllForOneStrategy(_ => Directive.Restart);
    }

    [Fact]
    public void A_restart_releases_a_pending_async_handler_and_its_late_failure_is_ignored()
    {
        using var sys = ActorTestSystem.Create();
        var probe = new Probe(sys);
        var parent = sys.ActorOf(Props.Create(() => new AllForOneParent(probe.Ref)));
        var gate = new TaskCompletionSource();
        parent.Tell(("a", (object)gate.Task), null);
        probe.Expect("awaiting");
        parent.Tell(("a", (object)"held"), null);
        parent.Tell(("b", (object)"fail"), null);
        // Both restart; the new instance of "a" is not held by the old instance's pending task.
        var seen = new[] { probe.Expect<string>(), probe.Expect<string>(), probe.Expect<string>() }.Order(StringComparer.Ordinal).ToArray();
        string[] expected = ["held", "restarted:sibling failed", "restarted:sibling failed"];
        Assert.Equal(expected, seen);
        gate.SetException(new InvalidOperationException("late"));
        parent.Tell(("a", (object)"after"), null);
        probe.Expect("after");
        probe.ExpectNone();
    }
}
