using System.Globalization;

namespace HFedMoE.Host.Experiment;

/// <summary>CSV fields: invariant round-trip numbers, empty for NaN, quoted text when it holds a comma, quote or newline.</summary>
internal static class CsvText
{
    public static string Field(string text) =>
        text.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;

    public static string Field(double value) => double.IsNaN(value) ? "" : value.ToString("R", CultureInfo.InvariantCulture);

    public static string Line(IEnumerable<string> fields) => string.Join(',', fields);
}
