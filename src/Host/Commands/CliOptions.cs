using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace HFedMoE.Host.Commands;

/// <summary>
/// Option factories whose parse errors are one line naming the option, what it accepts and
/// what was given (System.CommandLine's own messages span lines and omit the valid range).
/// </summary>
internal static class CliOptions
{
    public static Option<int> Int(string name, int defaultValue, int min, string description, int max = int.MaxValue) =>
        new(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result =>
            {
                string text = Single(result);
                if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
                {
                    string range = max == int.MaxValue ? $">= {min}" : $"in {min}..{max}";
                    result.AddError($"{name} expects a whole number {range}; got '{text}'");
                    return defaultValue;
                }
                return value;
            },
        };

    public static Option<double> Double(string name, double defaultValue, double min, double max, bool minExclusive, string description) =>
        new(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result =>
            {
                string text = Single(result);
                bool ok = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
                    && double.IsFinite(value) && (minExclusive ? value > min : value >= min) && value <= max;
                if (!ok)
                {
                    string lower = minExclusive ? $"> {min.ToString(CultureInfo.InvariantCulture)}" : $">= {min.ToString(CultureInfo.InvariantCulture)}";
                    string upper = double.IsPositiveInfinity(max) ? "" : $" and <= {max.ToString(CultureInfo.InvariantCulture)}";
                    result.AddError($"{name} expects a number {lower}{upper}; got '{text}'");
                    return defaultValue;
                }
                return value;
            },
        };

    public static Option<string> Choice(string name, string defaultValue, string[] choices, string description) =>
        new(name)
        {
            Description = $"{description}: {string.Join(" | ", choices)}",
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result =>
            {
                string text = Single(result);
                if (!choices.Contains(text, StringComparer.Ordinal))
                {
                    result.AddError($"{name} must be one of {string.Join(", ", choices)}; got '{text}'");
                    return defaultValue;
                }
                return text;
            },
        };

    public static Option<string> Path(string name, string? defaultValue, string description) =>
        new(name)
        {
            Description = description,
            DefaultValueFactory = defaultValue is null ? null : _ => defaultValue,
            CustomParser = result =>
            {
                string text = Single(result);
                if (text.Length == 0 || text.IndexOfAny(System.IO.Path.GetInvalidPathChars()) >= 0)
                {
                    result.AddError($"{name} expects a file system path; got '{text}'");
                    return defaultValue;
                }
                return text;
            },
        };

    private static string Single(ArgumentResult result) => result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
}
