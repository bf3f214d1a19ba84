using HFedMoE.Runtime.Configuration;

namespace HFedMoE.Runtime.Tests.Configuration;

public sealed class DurationAndSizeTests
{
    private static TimeSpan Duration(string text) =>
        ConfigurationFactory.ParseString($"d = {text}").GetTimeSpan("d");

    private static long Size(string text) =>
        ConfigurationFactory.ParseString($"s = {text}").GetByteSize("s");

    [Theory]
    [InlineData("200ms", 200 * TimeSpan.TicksPerMillisecond)]
    [InlineData("5 s", 5 * TimeSpan.TicksPerSecond)]
    [InlineData("5s", 5 * TimeSpan.TicksPerSecond)]
    [InlineData("1m", TimeSpan.TicksPerMinute)]
    [InlineData("2 minutes", 2 * TimeSpan.TicksPerMinute)]
    [InlineData("1h", TimeSpan.TicksPerHour)]
    [InlineData("3d", 3 * TimeSpan.TicksPerDay)]
    [InlineData("100us", 100 * TimeSpan.TicksPerMicrosecond)]
    [InlineData("10ns", 0)] // one tick is 100 ns: 10 ns rounds to zero
    [InlineData("1500ns", 15)]
    [InlineData("1.5 seconds", 15 * TimeSpan.TicksPerSecond / 10)]
    [InlineData("250", 250 * TimeSpan.TicksPerMillisecond)]
    [InlineData("\"30 s\"", 30 * TimeSpan.TicksPerSecond)]
    public void Durations_accept_akka_units(string text, long expectedTicks)
    {
        Assert.Equal(TimeSpan.FromTicks(expectedTicks), Duration(text));
    }

    [Theory]
    [InlineData("infinite")]
    [InlineData("inf")]
    public void Infinite_duration_is_the_infinite_timespan(string text)
    {
        Assert.Equal(Timeout.InfiniteTimeSpan, Duration(text));
    }

    [Theory]
    [InlineData("-5s")]
    [InlineData("5 fortnights")]
    [InlineData("soon")]
    [InlineData("1000000000000 days")]
    public void Bad_durations_fail_naming_path_value_and_expectation(string text)
    {
        var ex = Assert.Throws<ConfigurationException>(() => Duration(text));
        Assert.Contains("d: expected a duration", ex.Message, StringComparison.Ordinal);
        Assert.Contains(text, ex.Message, StringComparison.Ordinal);
        Assert.Equal("d", ex.Path);
    }

    [Theory]
    [InlineData("128000b", 128_000L)]
    [InlineData("128000", 128_000L)]
    [InlineData("4k", 4096L)]
    [InlineData("4K", 4096L)]
    [InlineData("4 KiB", 4096L)]
    [InlineData("64 MiB", 64L * 1024 * 1024)]
    [InlineData("64m", 64L * 1024 * 1024)]
    [InlineData("1 GiB", 1024L * 1024 * 1024)]
    [InlineData("1G", 1024L * 1024 * 1024)]
    [InlineData("10 MB", 10_000_000L)]
    [InlineData("2kB", 2_000L)]
    [InlineData("3 GB", 3_000_000_000L)]
    [InlineData("1.5 KiB", 1536L)]
    [InlineData("7 bytes", 7L)]
    public void Byte_sizes_use_decimal_for_SI_and_binary_for_single_letters_and_iB(string text, long expected)
    {
        Assert.Equal(expected, Size(text));
    }

    [Theory]
    [InlineData("12 parsecs")]
    [InlineData("-1k")]
    [InlineData("lots")]
    [InlineData("100000000 TiB")]
    public void Bad_byte_sizes_fail_naming_path_value_and_expectation(string text)
    {
        var ex = Assert.Throws<ConfigurationException>(() => Size(text));
        Assert.Contains("s: expected a byte size", ex.Message, StringComparison.Ordinal);
        Assert.Contains(text, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duration_and_size_defaults_apply_only_when_missing()
    {
        var c = ConfigurationFactory.ParseString("t = 1s\nb = 1k");
        Assert.Equal(TimeSpan.FromSeconds(1), c.GetTimeSpan("t", TimeSpan.FromHours(1)));
        Assert.Equal(TimeSpan.FromHours(1), c.GetTimeSpan("missing", TimeSpan.FromHours(1)));
        Assert.Equal(1024, c.GetByteSize("b", 7));
        Assert.Equal(7, c.GetByteSize("missing", 7));
    }
}
