using HFedMoE.Runtime.Actor;

namespace HFedMoE.Runtime.Tests.Actor;

public sealed class AskTests
{
    private sealed class Replier : ReceiveActor
    {
        public Replier()
        {
            Receive<int>(i => Sender.Tell(i * 2));
            Receive<string>(s => s == "fail", _ => Sender.Tell(new Status.Failure(new InvalidOperationException("refused"))));
            Receive<string>(s => s == "wrong", _ => Sender.Tell(3.5));
            Receive<string>(s => s == "silent", _ => { });
            Receive<string>(s => s == "twice", _ =>
            {
                Sender.Tell("one");
                Sender.Tell("two");
            });
            Receive<string>(s => s == "path", _ => Sender.Tell(Sender.Path.ToString()));
        }
    }

    [Fact]
    public async Task Ask_completes_with_the_reply_from_a_temp_actor()
    {
        using var sys = ActorTestSystem.Create();
        var r = sys.ActorOf(Props.Create<Replier>());
        Assert.Equal(42, await r.Ask<int>(21, TimeSpan.FromSeconds(5)));
        string path = await r.Ask<string>("path", TimeSpan.FromSeconds(5));
        Assert.StartsWith("hfedmoe://test/temp/$", path, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Status_Failure_reply_faults_the_task_with_its_cause()
    {
        using var sys = ActorTestSystem.Create();
        var r = sys.ActorOf(Props.Create<Replier>());
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => r.Ask<string>("fail", TimeSpan.FromSeconds(5)));
        Assert.Equal("refused", e.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => r.Ask<string>("wrong", TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Ask_times_out_on_the_scheduler_naming_target_and_timeout()
    {
        var scheduler = new ManualScheduler();
        using var sys = ActorTestSystem.Create(scheduler: scheduler);
        var r = sys.ActorOf(Props.Create<Replier>(), "quiet");
        var task = r.Ask<string>("silent", TimeSpan.FromSeconds(3));
        scheduler.Advance(TimeSpan.FromSeconds(2));
        Assert.False(task.IsCompleted);
        scheduler.Advance(TimeSpan.FromSeconds(1));
        var e = Assert.Throws<AggregateException>(() => ActorTestSystem.Await(task));
        var timeout = Assert.IsType<AskTimeoutException>(e.InnerException);
        Assert.Contains("/user/quiet", timeout.Message, StringComparison.Ordinal);
        Assert.Contains("3000 ms", timeout.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_ask_timeout_comes_from_config()
    {
        var scheduler = new ManualScheduler();
        using var sys = ActorTestSystem.Create("hfedmoe.actor.ask-timeout = 1s", scheduler);
        Assert.Equal(TimeSpan.FromSeconds(1), sys.Settings.AskTimeout);
        var r = sys.ActorOf(Props.Create<Replier>());
        var task = r.Ask<string>("silent");
        scheduler.Advance(TimeSpan.FromSeconds(1));
        var e = Assert.Throws<AggregateException>(() => ActorTestSystem.Await(task));
        Assert.IsType<AskTimeoutException>(e.InnerException);
    }

    [Fact]
    public async Task A_late_or_second_reply_goes_to_dead_letters_and_a_reply_cancels_the_timeout()
    {
        var scheduler = new ManualScheduler();
        using var sys = ActorTestSystem.Create(scheduler: scheduler);
        var dead = new Probe(sys);
        sys.EventStream.Subscribe(dead.Ref, typeof(HFedMoE.Runtime.Actor.Event.DeadLetter));
        var r = sys.ActorOf(Props.Create<Replier>());
        Assert.Equal("one", await r.Ask<string>("twice", TimeSpan.FromSeconds(5)));
        Assert.Equal("two", dead.Expect<HFedMoE.Runtime.Actor.Event.DeadLetter>().Message);
        Assert.Equal(0, scheduler.Pending);
    }

    [Fact]
    public async Task Ask_can_be_cancelled_and_asking_a_dead_actor_fails_at_once()
    {
        using var sys = ActorTestSystem.Create();
        var r = sys.ActorOf(Props.Create<Replier>());
        using var cts = new CancellationTokenSource();
        var task = r.Ask<string>("silent", cancellationToken: cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);

        var probe = new Probe(sys);
        var gone = sys.ActorOf(Props.Create<Replier>());
        sys.ActorOf(Props.Create(() => new WatchAndReport(gone, probe.Ref)));
        sys.Stop(gone);
        probe.Expect<Terminated>();
        await Assert.ThrowsAsync<AskTimeoutException>(() => gone.Ask<int>(1, TimeSpan.FromSeconds(5)));
    }

    private sealed class WatchAndReport : ReceiveActor
    {
        public WatchAndReport(IActorRef subject, IActorRef report)
        {
            Context.Watch(subject);
            Receive<Terminated>(t => report.Tell(t));
        }
    }
}
