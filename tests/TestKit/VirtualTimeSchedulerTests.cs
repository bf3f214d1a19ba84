using HFedMoE.Runtime.Actor.Scheduling;

namespace HFedMoE.TestKit.Tests;

public sealed class VirtualTimeSchedulerTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static TimeSpan Ms(int ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void Nothing_runs_until_time_is_advanced()
    {
        var s = new VirtualTimeScheduler(Start);
        int runs = 0;
        s.ScheduleOnce(TimeSpan.Zero, () => runs++);
        s.ScheduleOnce(Ms(10), () => runs++);

        Assert.Equal(0, runs);
        s.Advance(TimeSpan.Zero);
        Assert.Equal(1, runs);
        s.Advance(Ms(9));
        Assert.Equal(1, runs);
        s.Advance(Ms(1));
        Assert.Equal(2, runs);
    }

    [Fact]
    public void Due_work_runs_in_due_order_and_ties_in_scheduling_order()
    {
        var s = new VirtualTimeScheduler(Start);
        var order = new List<string>();
        s.ScheduleOnce(Ms(30), () => order.Add("30"));
        s.ScheduleOnce(Ms(10), () => order.Add("10a"));
        s.ScheduleOnce(Ms(20), () => order.Add("20"));
        s.ScheduleOnce(Ms(10), () => order.Add("10b"));

        s.Advance(Ms(25));
        Assert.Equal(["10a", "10b", "20"], order);
        s.Advance(Ms(5));
        Assert.Equal(["10a", "10b", "20", "30"], order);
    }

    [Fact]
    public void The_clock_reads_the_due_time_while_a_task_runs_and_the_target_afterwards()
    {
        var s = new VirtualTimeScheduler(Start);
        var seen = new List<TimeSpan>();
        s.ScheduleOnce(Ms(7), () => seen.Add(s.MonotonicClock));
        s.ScheduleOnce(Ms(12), () => seen.Add(s.MonotonicClock));

        s.Advance(Ms(100));

        Assert.Equal([Ms(7), Ms(12)], seen);
        Assert.Equal(Ms(100), s.MonotonicClock);
        Assert.Equal(Start + Ms(100), s.Now);
    }

    [Fact]
    public void Work_scheduled_by_a_task_runs_in_the_same_advance_if_it_falls_due()
    {
        var s = new VirtualTimeScheduler(Start);
        var order = new List<TimeSpan>();
        s.ScheduleOnce(Ms(10), () =>
        {
            order.Add(s.MonotonicClock);
            s.ScheduleOnce(Ms(5), () => order.Add(s.MonotonicClock));
            s.ScheduleOnce(Ms(50), () => order.Add(s.MonotonicClock));
        });

        s.Advance(Ms(20));
        Assert.Equal([Ms(10), Ms(15)], order);
        s.Advance(Ms(40));
        Assert.Equal([Ms(10), Ms(15), Ms(60)], order);
    }

    [Fact]
    public void Cancelled_work_never_runs()
    {
        var s = new VirtualTimeScheduler(Start);
        int runs = 0;
        var c = s.ScheduleOnce(Ms(10), () => runs++);
        Assert.Equal(1, s.PendingCount);

        c.Cancel();
        c.Cancel();

        Assert.True(c.IsCancellationRequested);
        Assert.Equal(0, s.PendingCount);
        s.Advance(Ms(20));
        Assert.Equal(0, runs);
    }

    [Fact]
    public void Repeated_work_reschedules_at_each_interval_until_cancelled()
    {
        var s = new VirtualTimeScheduler(Start);
        var at = new List<TimeSpan>();
        ICancelableHolder holder = new();
        holder.Value = s.ScheduleRepeatedly(Ms(10), Ms(5), () =>
        {
            at.Add(s.MonotonicClock);
            if (at.Count == 4)
            {
                holder.Value!.Cancel();
            }
        });

        s.Advance(Ms(22));
        Assert.Equal([Ms(10), Ms(15), Ms(20)], at);
        s.Advance(Ms(100));
        Assert.Equal([Ms(10), Ms(15), Ms(20), Ms(25)], at);
        Assert.Equal(0, s.PendingCount);
    }

    [Fact]
    public void ScheduleTell_delivers_message_and_sender_when_due()
    {
        var s = new VirtualTimeScheduler(Start);
        var target = new RecordingActorRef("target");
        var sender = new RecordingActorRef("sender");
        s.ScheduleTellOnce(Ms(100), target, "once", sender);
        var tick = s.ScheduleTellRepeatedly(Ms(50), Ms(50), target, "tick", null);

        s.Advance(Ms(99));
        Assert.Equal(["tick"], target.Messages);
        s.Advance(Ms(1));
        tick.Cancel();
        s.Advance(Ms(1000));

        // At 100 ms the repeat (scheduled for 100 ms after its 50 ms run) and the once-task tie:
        // the once-task was scheduled first.
        Assert.Equal(["tick", "once", "tick"], target.Messages);
        Assert.Same(sender, target.Received[1].Sender);
        Assert.Null(target.Received[0].Sender);
    }

    [Fact]
    public void A_throwing_task_does_not_stop_the_others_and_is_reported_after_the_advance()
    {
        var s = new VirtualTimeScheduler(Start);
        int runs = 0;
        s.ScheduleOnce(Ms(1), () => throw new InvalidOperationException("boom"));
        s.ScheduleOnce(Ms(2), () => runs++);

        var e = Assert.Throws<AggregateException>(() => s.Advance(Ms(5)));

        Assert.Equal(1, runs);
        Assert.Equal("boom", Assert.Single(e.InnerExceptions).Message);
        Assert.Equal(Ms(5), s.MonotonicClock);
    }

    [Fact]
    public void Time_cannot_go_backwards_and_bad_arguments_are_rejected()
    {
        var s = new VirtualTimeScheduler(Start);
        s.Advance(Ms(10));

        Assert.Throws<ArgumentOutOfRangeException>(() => s.Advance(Ms(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.AdvanceTo(Start));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.AdvanceTo(Ms(5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.ScheduleOnce(Ms(-1), () => { }));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.ScheduleRepeatedly(Ms(1), TimeSpan.Zero, () => { }));

        s.AdvanceTo(Start + Ms(30));
        Assert.Equal(Ms(30), s.MonotonicClock);
    }

    [Fact]
    public void Advance_from_inside_a_task_is_rejected()
    {
        var s = new VirtualTimeScheduler(Start);
        s.ScheduleOnce(Ms(1), () => s.Advance(Ms(1)));

        var e = Assert.Throws<AggregateException>(() => s.Advance(Ms(1)));
        Assert.IsType<InvalidOperationException>(Assert.Single(e.InnerExceptions));
    }

    [Fact]
    public void Scheduling_after_shutdown_throws()
    {
        var s = new VirtualTimeScheduler(Start);
        int runs = 0;
        s.ScheduleOnce(Ms(1), () => runs++);
        s.Shutdown();

        Assert.Throws<SchedulerException>(() => s.ScheduleOnce(Ms(1), () => { }));
        s.Advance(Ms(10));
        Assert.Equal(0, runs);
    }

    private sealed class ICancelableHolder
    {
        public HFedMoE.Runtime.Actor.ICancelable? Value { get; set; }
    }
}
