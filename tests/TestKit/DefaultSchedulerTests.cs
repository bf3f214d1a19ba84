using HFedMoE.Runtime.Actor;
using HFedMoE.Runtime.Actor.Scheduling;

namespace HFedMoE.TestKit.Tests;

/// <summary>
/// Real-time tests: every wait is on a TaskCompletionSource with a generous timeout, and
/// "did not run" is proven with a later fence task (one thread runs tasks in due order).
/// </summary>
public sealed class DefaultSchedulerTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);
    private readonly DefaultScheduler _scheduler = new(TimeSpan.FromMilliseconds(10));

    public void Dispose() => _scheduler.Dispose();

    private static TimeSpan Ms(int ms) => TimeSpan.FromMilliseconds(ms);

    private Task Fence(TimeSpan delay)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _scheduler.ScheduleOnce(delay, done.SetResult);
        return done.Task;
    }

    [Fact]
    public async Task ScheduleOnce_runs_no_earlier_than_its_delay()
    {
        var ran = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var scheduledAt = _scheduler.MonotonicClock;
        _scheduler.ScheduleOnce(Ms(30), () => ran.SetResult(_scheduler.MonotonicClock));

        var firedAt = await ran.Task.WaitAsync(Generous);

        Assert.True(firedAt - scheduledAt >= Ms(30), $"fired after {firedAt - scheduledAt}, before its 30 ms delay");
    }

    [Fact]
    public async Task ScheduleTellOnce_delivers_message_and_sender()
    {
        var told = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var target = new RecordingActorRef("target") { OnTell = _ => told.TrySetResult() };
        var sender = new RecordingActorRef("sender");

        _scheduler.ScheduleTellOnce(Ms(5), target, "hello", sender);
        await told.Task.WaitAsync(Generous);

        var (message, from) = Assert.Single(target.Received);
        Assert.Equal("hello", message);
        Assert.Same(sender, from);
    }

    [Fact]
    public async Task Tasks_run_in_due_order()
    {
        var order = new List<int>();
        var last = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _scheduler.ScheduleOnce(Ms(60), () => { order.Add(60); last.SetResult(); });
        _scheduler.ScheduleOnce(Ms(20), () => order.Add(20));
        _scheduler.ScheduleOnce(Ms(40), () => order.Add(40));

        await last.Task.WaitAsync(Generous);

        Assert.Equal([20, 40, 60], order);
    }

    [Fact]
    public async Task Repeated_work_runs_until_cancelled_and_never_after()
    {
        int runs = 0;
        var thirdRun = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ICancelable? handle = null;
        handle = _scheduler.ScheduleRepeatedly(Ms(5), Ms(5), () =>
        {
            if (Interlocked.Increment(ref runs) == 3)
            {
                handle!.Cancel();
                thirdRun.SetResult();
            }
        });

        await thirdRun.Task.WaitAsync(Generous);
        // A fence three intervals later: had the repetition survived, it would have run first.
        await Fence(Ms(15)).WaitAsync(Generous);

        Assert.Equal(3, Volatile.Read(ref runs));
        Assert.True(handle.IsCancellationRequested);
    }

    [Fact]
    public async Task Cancel_before_due_prevents_the_run()
    {
        int runs = 0;
        var delay = Ms(100);
        var scheduledAt = _scheduler.MonotonicClock;
        var c = _scheduler.ScheduleTellOnce(delay, new RecordingActorRef("t") { OnTell = _ => Interlocked.Increment(ref runs) }, "x", null);
        c.Cancel();
        var cancelledAfter = _scheduler.MonotonicClock - scheduledAt;

        await Fence(Ms(150)).WaitAsync(Generous);

        // Only meaningful if this thread was not descheduled past the due time before cancelling.
        Assert.True(cancelledAfter >= delay || Volatile.Read(ref runs) == 0, $"cancelled after {cancelledAfter}, yet the task ran");
    }

    [Fact]
    public async Task A_throwing_task_is_reported_and_the_thread_keeps_running()
    {
        var reported = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var scheduler = new DefaultScheduler(Ms(10), TimeSpan.FromSeconds(1), e => reported.TrySetResult(e));
        var after = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        scheduler.ScheduleOnce(Ms(1), () => throw new InvalidOperationException("boom"));
        scheduler.ScheduleOnce(Ms(10), after.SetResult);

        Assert.Equal("boom", (await reported.Task.WaitAsync(Generous)).Message);
        await after.Task.WaitAsync(Generous);
    }

    [Fact]
    public async Task Cancelled_tasks_are_compacted_away_long_before_they_fall_due()
    {
        var handles = Enumerable.Range(0, 5000).Select(_ => _scheduler.ScheduleOnce(TimeSpan.FromHours(1), () => { })).ToList();
        foreach (var h in handles)
        {
            h.Cancel();
        }

        await Fence(Ms(1)).WaitAsync(Generous);

        Assert.Equal(0, _scheduler.PendingCount);
    }

    [Fact]
    public void Scheduling_after_dispose_throws_SchedulerException()
    {
        var scheduler = new DefaultScheduler(Ms(10));
        scheduler.Dispose();
        scheduler.Dispose();

        Assert.Throws<SchedulerException>(() => scheduler.ScheduleOnce(Ms(1), () => { }));
        Assert.Throws<SchedulerException>(() => scheduler.ScheduleTellRepeatedly(Ms(1), Ms(1), new RecordingActorRef("t"), "x", null));
    }

    [Fact]
    public void Bad_arguments_are_rejected_with_the_parameter_named()
    {
        Assert.Equal("tick", Assert.Throws<ArgumentOutOfRangeException>(() => new DefaultScheduler(TimeSpan.Zero)).ParamName);
        Assert.Equal("delay", Assert.Throws<ArgumentOutOfRangeException>(() => _scheduler.ScheduleOnce(Ms(-5), () => { })).ParamName);
        Assert.Equal("interval", Assert.Throws<ArgumentOutOfRangeException>(() => _scheduler.ScheduleRepeatedly(Ms(1), TimeSpan.Zero, () => { })).ParamName);
    }
}
