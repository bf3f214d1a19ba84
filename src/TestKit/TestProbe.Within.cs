using System.Runtime.ExceptionServices;

namespace HFedMoE.TestKit;

public sealed partial class TestProbe
{
    // Deadline of the innermost Within block (Stopwatch timestamp), or null outside any block.
    private long? _withinEnd;
    private bool _lastWasNoMsg;

    /// <summary>Time left in the innermost <see cref="Within(TimeSpan, TimeSpan, Action)"/> block; throws outside one.</summary>
    public TimeSpan Remaining => _withinEnd is { } end
        ? TimeSpan.FromSeconds(Math.Max(0, (double)(end - Timestamp()) / System.Diagnostics.Stopwatch.Frequency))
        : throw new InvalidOperationException("Remaining is only defined inside a Within block");

    /// <summary>Time left in the innermost Within block, or the dilated single-expect-default outside one.</summary>
    public TimeSpan RemainingOrDefault => _withinEnd is null ? Dilated(Settings.SingleExpectDefault) : Remaining;

    /// <summary>
    /// Runs <paramref name="action"/> and asserts it took no longer than <paramref name="max"/>
    /// (dilated). Expectations inside without an explicit max wait at most the time left.
    /// </summary>
    public void Within(TimeSpan max, Action action) => Within(TimeSpan.Zero, max, action);

    /// <summary>
    /// Runs <paramref name="action"/> and asserts it took at least <paramref name="min"/> and at
    /// most <paramref name="max"/> (dilated; min is not). Inside, expectations without an explicit
    /// max wait at most the time left; a nested Within can only narrow the deadline. The upper
    /// bound is not checked when the block's last expectation was ExpectNoMsg (it waits by design).
    /// </summary>
    public void Within(TimeSpan min, TimeSpan max, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Within<object?>(min, max, () =>
        {
            action();
            return null;
        });
    }

    /// <inheritdoc cref="Within(TimeSpan, TimeSpan, Action)"/>
    public T Within<T>(TimeSpan min, TimeSpan max, Func<T> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (min < TimeSpan.Zero || max < min)
        {
            throw new ArgumentOutOfRangeException(nameof(max), max, $"Within needs 0 <= min <= max, got min {min}");
        }
        var dilatedMax = Dilated(max);
        long start = Timestamp();
        // Clamped so the Stopwatch-tick deadline below cannot overflow for TimeSpan.MaxValue.
        var budget = Min(_withinEnd is null ? dilatedMax : Min(dilatedMax, Remaining), TimeSpan.FromDays(365));
        long? outer = _withinEnd;
        _withinEnd = start + (long)(budget.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        _lastWasNoMsg = false;
        T result;
        try
        {
            result = function();
        }
        finally
        {
            _withinEnd = outer;
        }
        var took = Since(start);
        if (took < min)
        {
            throw Fail($"Within: block took {took}, should have taken at least {min}");
        }
        if (!_lastWasNoMsg && took > budget)
        {
            throw Fail($"Within: block took {took}, exceeding its limit of {budget} (max {max} x timefactor {Settings.TimeFactor})");
        }
        return result;
    }

    /// <summary>
    /// Retries <paramref name="assertion"/> every <paramref name="interval"/> (default
    /// await-interval) until it passes or <paramref name="max"/> (default: Within time left or
    /// default-timeout, dilated) runs out; then fails with the assertion's last exception.
    /// </summary>
    public void AwaitAssert(Action assertion, TimeSpan? max = null, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        var limit = AwaitLimit(max);
        var pause = interval ?? Settings.AwaitInterval;
        long start = Timestamp();
        while (true)
        {
            try
            {
                assertion();
                return;
            }
            catch (Exception e)
            {
                var left = limit - Since(start);
                if (left <= TimeSpan.Zero)
                {
                    if (e is TestKitAssertionException)
                    {
                        ExceptionDispatchInfo.Capture(e).Throw();
                    }
                    throw new TestKitAssertionException($"AwaitAssert: assertion still failing after {limit}: {e.Message}", e);
                }
                // A poll interval, not a correctness wait: the next attempt decides.
                Thread.Sleep(Min(pause, left));
            }
        }
    }

    /// <summary>
    /// Polls <paramref name="condition"/> every <paramref name="interval"/> until it is true or
    /// <paramref name="max"/> (default: Within time left or default-timeout, dilated) runs out.
    /// </summary>
    public void AwaitCondition(Func<bool> condition, TimeSpan? max = null, TimeSpan? interval = null, string? message = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var limit = AwaitLimit(max);
        var pause = interval ?? Settings.AwaitInterval;
        long start = Timestamp();
        while (!condition())
        {
            var left = limit - Since(start);
            if (left <= TimeSpan.Zero)
            {
                throw Fail($"AwaitCondition: condition not met within {limit}" + (message is null ? string.Empty : ": " + message));
            }
            Thread.Sleep(Min(pause, left));
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private TimeSpan AwaitLimit(TimeSpan? max) => max is { } m
        ? (m == Timeout.InfiniteTimeSpan ? TimeSpan.MaxValue : Dilated(m))
        : _withinEnd is null ? Dilated(Settings.DefaultTimeout) : Remaining;

    /// <summary>An explicit max is dilated; none means what is left of the Within block, or the single-expect default.</summary>
    private TimeSpan RemainingOrDilated(TimeSpan? max)
    {
        _lastWasNoMsg = false;
        if (max is not { } m)
        {
            return RemainingOrDefault;
        }
        if (m < TimeSpan.Zero && m != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(max), m, "max must be >= 0 (or Timeout.InfiniteTimeSpan)");
        }
        return Dilated(m);
    }
}
