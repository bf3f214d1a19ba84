using System.Globalization;
using System.Text.RegularExpressions;

namespace HFedMoE.Runtime.Configuration;

/// <summary>
/// Byte sizes: a number with an optional unit. Decimal units are powers of 1000
/// (<c>kB</c>/<c>KB</c>, <c>MB</c>, <c>GB</c>, <c>TB</c>); binary units are powers of 1024
/// (<c>K</c>/<c>k</c>/<c>Ki</c>/<c>KiB</c>, <c>M</c>/<c>m</c>/<c>Mi</c>/<c>MiB</c>, <c>G</c>..., <c>T</c>...),
/// following the HOCON spec and Akka: a single letter is binary, "B" after a plain SI
/// prefix is decimal. No unit, <c>b</c>, <c>B</c> or <c>byte(s)</c> means bytes.
/// </summary>
internal static partial class HoconByteSize
{
    private static readonly Dictionary<string, long> Multipliers = BuildUnits();

    public const string Expected = "a byte size such as 128000b, 4k, 64 MiB, 10 MB or 1 GiB";

    public static bool TryParse(string text, out long value)
    {
        value = 0;
        var match = Pattern().Match(text.Trim());
        if (!match.Success
            || !decimal.TryParse(match.Groups["n"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
            || !Multipliers.TryGetValue(match.Groups["unit"].Value, out var multiplier))
        {
            return false;
        }

        try
        {
            value = (long)decimal.Round(number * multiplier);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^(?<n>[0-9]+(\.[0-9]+)?)\s*(?<unit>[a-zA-Z]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    private static Dictionary<string, long> BuildUnits()
    {
        var units = new Dictionary<string, long>(StringComparer.Ordinal);
        void Add(long multiplier, params string[] names)
        {
            foreach (var n in names)
            {
                units[n] = multiplier;
            }
        }

        Add(1, "", "b", "B", "byte", "bytes");
        Add(1000, "kB", "KB", "kilobyte", "kilobytes");
        Add(1000_000, "MB", "megabyte", "megabytes");
        Add(1000_000_000, "GB", "gigabyte", "gigabytes");
        Add(1000_000_000_000, "TB", "terabyte", "terabytes");
        Add(1L << 10, "K", "k", "Ki", "KiB", "kibibyte", "kibibytes");
        Add(1L << 20, "M", "m", "Mi", "MiB", "mebibyte", "mebibytes");
        Add(1L << 30, "G", "g", "Gi", "GiB", "gibibyte", "gibibytes");
        Add(1L << 40, "T", "t", "Ti", "TiB", "tebibyte", "tebibytes");
        return units;
    }
}
