using System.Globalization;
using System.Text.RegularExpressions;

namespace HFedMoE.Runtime.Configuration;

/// <summary>
/// Durations as Akka writes them: a number with an optional unit (<c>200ms</c>, <c>5 s</c>,
/// <c>2 minutes</c>); a bare number means milliseconds; <c>infinite</c>/<c>inf</c> is
/// <see cref="Timeout.InfiniteTimeSpan"/>. Negative values are rejected.
/// </summary>
internal static partial class HoconDuration
{
    private const double TicksPerNanosecond = TimeSpan.TicksPerMillisecond / 1_000_000.0;

    private static readonly Dictionary<string, double> TicksPerUnit = BuildUnits();

    public const string Expected = "a duration such as 200ms, 5 s, 1m, 2 minutes, 1h, 3d, 100us, 10ns or infinite";

    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        var trimmed = text.Trim();
        if (trimmed.Equals("infinite", StringComparison.OrdinalIgnoreCase) || trimmed.Equals("inf", StringComparison.OrdinalIgnoreCase))
        {
            value = Timeout.InfiniteTimeSpan;
            return true;
        }

        var match = Pattern().Match(trimmed);
        if (!match.Success
            || !double.TryParse(match.Groups["n"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            || !TicksPerUnit.TryGetValue(match.Groups["unit"].Value, out var ticksPerUnit))
        {
            return false;
        }

        var ticks = Math.Round(number * ticksPerUnit);
        if (ticks >= TimeSpan.MaxValue.Ticks)
        {
            return false;
        }

        value = TimeSpan.FromTicks((long)ticks);
        return true;
    }

    [GeneratedRegex(@"^(?<n>[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?)\s*(?<unit>[a-zA-Zµ]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    private static Dictionary<string, double> BuildUnits()
    {
        var units = new Dictionary<string, double>(StringComparer.Ordinal);
        void Add(double ticks, params string[] names)
        {
            foreach (var n in names)
            {
                units[n] = ticks;
            }
        }

        Add(TimeSpan.TicksPerMillisecond, "", "ms", "milli", "millis", "millisecond", "milliseconds");
        Add(TicksPerNanosecond, "ns", "nano", "nanos", "nanosecond", "nanoseconds");
        Add(TimeSpan.TicksPerMicrosecond, "us", "µs", "micro", "micros", "microsecond", "microseconds");
        Add(TimeSpan.TicksPerSecond, "s", "second", "seconds");
        Add(TimeSpan.TicksPerMinute, "m", "minute", "minutes");
        Add(TimeSpan.TicksPerHour, "h", "hour", "hours");
        Add(TimeSpan.TicksPerDay, "d", "day", "days");
        return units;
    }
}
