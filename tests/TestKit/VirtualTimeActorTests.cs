using HFedMoE.Runtime.Actor;

namespace HFedMoE.TestKit.Tests;

/// <summary>
/// Actor timers, ReceiveTimeout and Ask timeouts run on the system scheduler, so under virtual
/// time they fire exactly when the test advances the clock, never on their own.
/// </summary>
public sealed class VirtualTimeActorTests() : TestKit(useVirtualTime: true)
{
    // Nothing can arrive while virtual time stands still, so a short real wait proves silence.
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(50);

    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void The_system_scheduler_is_the_virtual_one()
    {
        Assert.Same(VirtualScheduler, Sys.Scheduler);
        var before = Scheduler.Now;
        VirtualScheduler.Advance(TimeSpan.FromHours(1));
        Assert.Equal(before + TimeSpan.FromHours(1), Scheduler.Now);
    }

    [Fact]
    public void Actor_timers_fire_only_as_virtual_time_passes()
    {
        var actor = ActorOf(() => new TimerActor(TestActor));
        Send(actor, "start");
        ExpectMsg("started");

        VirtualScheduler.Advance(S(2.999));
        ExpectNoMsg(Quiet);

        VirtualScheduler.Advance(TimeSpan.FromMilliseconds(1));
        ExpectMsg("tick");

        VirtualScheduler.Advance(S(6));
        Assert.Equal(["tick", "tick"], ReceiveN(2));

        VirtualScheduler.Advance(S(1));
        ExpectMsg("fired-once");

        Send(actor, "cancel");
        ExpectMsg("cancelled");
        VirtualScheduler.Advance(S(60));
        ExpectNoMsg(Quiet);
    }

    [Fact]
    public void ReceiveTimeout_fires_after_the_idle_period_and_is_reset_by_a_message()
    {
        var actor = ActorOf(() => new IdleWatcher(TestActor));
        Send(actor, Sync.Instance);
        ExpectMsg(Sync.Instance);

        VirtualScheduler.Advance(S(4));
        ExpectNoMsg(Quiet);

        // An ordinary message restarts the 5 s idle period at t = 4 s. The Sync after it does not
        // (INotInfluenceReceiveTimeout); its reply proves the restart has happened.
        Send(actor, "ping");
        ExpectMsg("ping");
        Send(actor, Sync.Instance);
        ExpectMsg(Sync.Instance);

        VirtualScheduler.Advance(S(4.5));
        ExpectNoMsg(Quiet);

        VirtualScheduler.Advance(S(0.5));
        ExpectMsg<ReceiveTimeout>();
    }

    [Fact]
    public async Task An_Ask_times_out_when_virtual_time_passes_its_timeout()
    {
        var silent = CreateTestProbe();

        var reply = silent.Ref.Ask<string>("anyone?", S(5));
        silent.ExpectMsg("anyone?");
        VirtualScheduler.Advance(S(4.9));
        Assert.False(reply.IsCompleted);

        VirtualScheduler.Advance(S(0.1));

        await Assert.ThrowsAsync<AskTimeoutException>(() => reply.WaitAsync(S(10)));
    }

    private sealed class Sync : INotInfluenceReceiveTimeout
    {
        public static Sync Instance { get; } = new();
    }

    private sealed class TimerActor : ReceiveActor, IWithTimers
    {
        public TimerActor(IActorRef report)
        {
            Receive<string>(s => s == "start", _ =>
            {
                Timers.StartSingleTimer("once", "fired-once", S(10));
                Timers.StartPeriodicTimer("tick", "tick", S(3));
                Sender.Tell("started", Self);
            });
            Receive<string>(s => s == "cancel", _ =>
            {
                Timers.Cancel("tick");
                Sender.Tell("cancelled", Self);
            });
            Receive<string>(s => report.Tell(s, Self));
        }

        public ITimerScheduler Timers { get; set; } = null!;
    }

    private sealed class IdleWatcher : ReceiveActor
    {
        public IdleWatcher(IActorRef report)
        {
            Context.SetReceiveTimeout(S(5));
            Receive<ReceiveTimeout>(t => report.Tell(t, Self));
            ReceiveAny(m => Sender.Tell(m, Self));
        }
    }
}
