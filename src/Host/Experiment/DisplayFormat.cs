using System.Globalization;

namespace HFedMoE.Host.Experiment;

/// <summary>How the summary and the report print numbers: invariant culture, "–" for a missing (NaN) value.</summary>
internal static class DisplayFormat
{
    public const string Missing = "–";

    /// <summary>A fraction as percent with one decimal, without the sign: 0.8312 → "83.1".</summary>
    public static string Percent(double fraction) => double.IsNaN(fraction) ? Missing : (fraction * 100).ToString("F1", CultureInfo.InvariantCulture);

    /// <summary>"83.1 ± 1.2" (percent), or "83.1 ± –" when the spread is unknown.</summary>
    public static string PercentSpread(double mean, double sd) => $"{Percent(mean)} ± {Percent(sd)}";

    /// <summary>A difference of fractions in percentage points with a sign: "+3.1 pp".</summary>
    public static string Points(double difference) =>
        double.IsNaN(difference) ? Missing : (difference * 100).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) + " pp";

    public static string Number(double value, string format = "F1") => double.IsNaN(value) ? Missing : value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>Large counts (backward passes, FLOPs) with an SI suffix: 1.23e9 → "1.23G".</summary>
    public static string Large(double value)
    {
        if (double.IsNaN(value))
        {
            return Missing;
        }
        string[] suffixes = ["", "k", "M", "G", "T", "P"];
        int i = 0;
        double v = value;
        while (Math.Abs(v) >= 1000 && i < suffixes.Length - 1)
        {
            v /= 1000;
            i++;
        }
        return v.ToString(i == 0 ? "0.##" : "0.00", CultureInfo.InvariantCulture) + suffixes[i];
    }

    /// <summary>Rounds-to-target: the mean when every seed reached it, "&gt;R" when none did, "&gt;R (k/n)" when some did.</summary>
    public static string RoundsToTarget(StrategySummary s)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (!s.TargetAvailable)
        {
            return "n/a";
        }
        string never = string.Create(CultureInfo.InvariantCulture, $">{s.Rounds}");
        return s.Reached == s.Seeds.Count ? Number(s.RoundsToTarget)
            : s.Reached == 0 ? never
            : string.Create(CultureInfo.InvariantCulture, $"{never} ({s.Reached}/{s.Seeds.Count})");
    }

    public static string TimeToTarget(StrategySummary s)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (!s.TargetAvailable)
        {
            return "n/a";
        }
        return s.Reached == s.Seeds.Count ? Number(s.TimeToTarget) : s.Reached == 0 ? "never" : $"{Number(s.TimeToTarget)} ({s.Reached}/{s.Seeds.Count})";
    }
}
