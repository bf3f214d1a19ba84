using System.Globalization;
using HFedMoE.Model.Federated;

namespace HFedMoE.Host.Experiment;

/// <summary>
/// Parses the grid's comma lists (strategies, seeds, alphas, budget sets). Every error is one
/// line naming where the text came from (an option or a HOCON key), what it accepts and what was
/// given, so the command can print it as it is.
/// </summary>
internal static class GridListParser
{
    public static IReadOnlyList<string> Strategies(IEnumerable<string> items, string source)
    {
        var names = Items(items, source);
        foreach (string name in names)
        {
            if (!StrategyFactory.Names.Contains(name))
            {
                throw new ArgumentException($"{source}: unknown strategy '{name}'; valid strategies: {string.Join(", ", StrategyFactory.Names)}");
            }
        }
        return Distinct(names, source);
    }

    public static IReadOnlyList<int> Seeds(IEnumerable<string> items, string source)
    {
        var seeds = Items(items, source).Select(text =>
            int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed) && seed >= 0
                ? seed
                : throw new ArgumentException($"{source} expects whole numbers >= 0 separated by commas; got '{text}'"));
        return Distinct([.. seeds], source);
    }

    public static IReadOnlyList<double> Alphas(IEnumerable<string> items, string source) =>
        Distinct([.. Items(items, source).Select(text => Positive(text, source, "Dirichlet concentrations > 0"))], source);

    /// <summary>Budget sets are separated by ';', the tiers of one set by ','.</summary>
    public static IReadOnlyList<IReadOnlyList<double>> BudgetSets(IEnumerable<string> sets, string source)
    {
        var result = new List<IReadOnlyList<double>>();
        foreach (string set in Items(sets, source))
        {
            var tiers = set.Split(',', StringSplitOptions.TrimEntries)
                .Select(text => Positive(text, source, "budget sets like \"4,8,16,32;8,8,8,8\" (numbers > 0)"))
                .ToList();
            result.Add(tiers);
        }
        if (result.Select(TiersLabel).Distinct(StringComparer.Ordinal).Count() != result.Count)
        {
            throw new ArgumentException($"{source} lists a budget set twice; got '{string.Join(";", result.Select(TiersLabel))}'");
        }
        return result;
    }

    /// <summary>Splits a command-line value on <paramref name="separator"/>.</summary>
    public static IReadOnlyList<string> Split(string text, char separator = ',') =>
        text.Split(separator, StringSplitOptions.TrimEntries);

    /// <summary>The name of a budget set in files and tables: the tiers joined by '-' (e.g. 4-8-16-32).</summary>
    public static string TiersLabel(IReadOnlyList<double> budgets) =>
        string.Join('-', budgets.Select(b => b.ToString("R", CultureInfo.InvariantCulture)));

    private static List<string> Items(IEnumerable<string> items, string source)
    {
        var list = items.Select(i => i.Trim()).ToList();
        if (list.Count == 0 || list.Any(i => i.Length == 0))
        {
            throw new ArgumentException($"{source} expects a non-empty comma-separated list without empty items; got '{string.Join(",", list)}'");
        }
        return list;
    }

    private static double Positive(string text, string source, string expected) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) && value > 0
            ? value
            : throw new ArgumentException($"{source} expects {expected}; got '{text}'");

    private static IReadOnlyList<T> Distinct<T>(IReadOnlyList<T> items, string source)
    {
        var seen = new HashSet<T>();
        foreach (var item in items)
        {
            if (!seen.Add(item))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{source} lists '{item}' twice"));
            }
        }
        return items;
    }
}
