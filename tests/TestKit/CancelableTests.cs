using HFedMoE.Runtime.Actor.Scheduling;

namespace HFedMoE.TestKit.Tests;

public sealed class CancelableTests
{
    [Fact]
    public void Cancel_is_idempotent_and_runs_the_callback_exactly_once_under_contention()
    {
        int callbacks = 0;
        var c = new Cancelable(() => Interlocked.Increment(ref callbacks));
        Assert.False(c.IsCancellationRequested);

        Parallel.For(0, 64, _ => c.Cancel());

        Assert.True(c.IsCancellationRequested);
        Assert.Equal(1, callbacks);
    }

    [Fact]
    public void A_cancelable_without_callback_just_flips_its_flag()
    {
        var c = new Cancelable();
        c.Cancel();
        Assert.True(c.IsCancellationRequested);
    }
}
