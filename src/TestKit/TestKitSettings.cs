using HFedMoE.Runtime.Configuration;

namespace HFedMoE.TestKit;

/// <summary>
/// The <c>hfedmoe.test</c> section: how long expectations wait by default and by how much to
/// stretch every wait on slow machines (<see cref="TimeFactor"/>).
/// </summary>
public sealed record TestKitSettings(
    double TimeFactor,
    TimeSpan SingleExpectDefault,
    TimeSpan ExpectNoMessageDefault,
    TimeSpan DefaultTimeout,
    TimeSpan AwaitInterval,
    TimeSpan FilterLeeway,
    TimeSpan ShutdownTimeout)
{
    /// <summary>The reference defaults (timefactor 1, single-expect 3 s, ...).</summary>
    public static TestKitSettings Default { get; } = new(
        1.0,
        TimeSpan.FromSeconds(3),
        TimeSpan.FromSeconds(3),
        TimeSpan.FromSeconds(5),
        TimeSpan.FromMilliseconds(100),
        TimeSpan.FromSeconds(3),
        TimeSpan.FromSeconds(10));

    /// <summary>Reads <c>hfedmoe.test</c> from <paramref name="config"/>, falling back to <see cref="Default"/> per key.</summary>
    public static TestKitSettings FromConfig(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        const string p = "hfedmoe.test.";
        var d = Default;
        var settings = new TestKitSettings(
            config.GetDouble(p + "timefactor", d.TimeFactor),
            config.GetTimeSpan(p + "single-expect-default", d.SingleExpectDefault),
            config.GetTimeSpan(p + "expect-no-message-default", d.ExpectNoMessageDefault),
            config.GetTimeSpan(p + "default-timeout", d.DefaultTimeout),
            config.GetTimeSpan(p + "await-interval", d.AwaitInterval),
            config.GetTimeSpan(p + "filter-leeway", d.FilterLeeway),
            config.GetTimeSpan(p + "shutdown-timeout", d.ShutdownTimeout));
        settings.Validate();
        return settings;
    }

    /// <summary><paramref name="duration"/> multiplied by <see cref="TimeFactor"/>; infinite stays infinite.</summary>
    public TimeSpan Dilated(TimeSpan duration)
    {
        if (duration == Timeout.InfiniteTimeSpan || duration == TimeSpan.MaxValue)
        {
            return duration;
        }
        // Compare in double: casting a product at or above 2^63 back to long would wrap negative.
        double ticks = duration.Ticks * TimeFactor;
        return ticks >= TimeSpan.MaxValue.Ticks ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)ticks);
    }

    private void Validate()
    {
        if (!(TimeFactor > 0) || double.IsInfinity(TimeFactor))
        {
            throw new ConfigurationException($"hfedmoe.test.timefactor must be a positive finite number, got {TimeFactor}");
        }
        Check(SingleExpectDefault, "single-expect-default");
        Check(ExpectNoMessageDefault, "expect-no-message-default");
        Check(DefaultTimeout, "default-timeout");
        Check(FilterLeeway, "filter-leeway");
        Check(ShutdownTimeout, "shutdown-timeout");
        if (AwaitInterval <= TimeSpan.Zero)
        {
            throw new ConfigurationException($"hfedmoe.test.await-interval must be > 0, got {AwaitInterval}");
        }
    }

    private static void Check(TimeSpan value, string key)
    {
        if (value < TimeSpan.Zero)
        {
            throw new ConfigurationException($"hfedmoe.test.{key} must be >= 0, got {value}");
        }
    }
}
