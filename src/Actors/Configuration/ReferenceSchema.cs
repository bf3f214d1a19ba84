using System.Globalization;
using System.Text.RegularExpressions;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace HFedMoE.Actors.Configuration;

/// <summary>
/// Checks a user's config against hocon/reference.conf: every key under <c>hfedmoe</c> must be one
/// the reference defines, with a value of the same kind (number, whole number, on/off, duration,
/// list, section). Akka's HOCON would otherwise let a misspelt key through silently and the run
/// would use the default. Inside the dispatcher sections the keys are Akka's, so they are not checked.
/// </summary>
internal static partial class ReferenceSchema
{
    private const string Root = "hfedmoe";

    /// <summary>Sections whose keys belong to Akka (dispatcher settings).</summary>
    private static readonly string[] AkkaSections = ["hfedmoe.actor.dedicated-dispatcher", "hfedmoe.actor.round-dispatcher"];

    /// <summary>
    /// Keys the reference once had, with what became of them: a config written for an older
    /// version is told why its key is gone instead of being pointed at the nearest other key.
    /// </summary>
    private static readonly Dictionary<string, string> RemovedKeys = new(StringComparer.Ordinal)
    {
        ["hfedmoe.model.engine"] = "the former CPU engine it chose was deleted in December 2026 and every model trains on TorchSharp (hfedmoe.model.device and .threads); delete the key",
    };

    /// <exception cref="ConfigurationException">The first unknown key or wrong kind of value, with its file, line and the nearest valid key.</exception>
    public static void Check(Config user, Config reference, string text, string source)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(reference);
        if (user.Root is not { } root || !root.IsObject() || !root.GetObject().Items.TryGetValue(Root, out var ours))
        {
            return;
        }
        var known = new Dictionary<string, HoconValue>(StringComparer.Ordinal);
        Leaves(reference.GetValue(Root), Root, known, includeSections: true);
        var given = new Dictionary<string, HoconValue>(StringComparer.Ordinal);
        Leaves(ours, Root, given, includeSections: false);
        foreach (var (path, value) in given)
        {
            if (AkkaSections.Any(s => path.StartsWith(s + ".", StringComparison.Ordinal)))
            {
                continue;
            }
            string where = KeyLocator.LineOf(text, path) is { } line ? $"{source}:{line}" : source;
            if (RemovedKeys.TryGetValue(path, out string? why))
            {
                throw new ConfigurationException($"{where}: {path} was removed: {why}");
            }
            if (!known.TryGetValue(path, out var expected))
            {
                string nearest = Nearest(path, known.Keys.Where(k => !AkkaSections.Any(s => k.StartsWith(s + ".", StringComparison.Ordinal))));
                throw new ConfigurationException($"{where}: unknown key {path}; the nearest valid key is {nearest} (every key is listed in hocon/reference.conf)");
            }
            if (KindOf(expected) is { } kind && !Fits(value, kind))
            {
                throw new ConfigurationException($"{where}: {path} expects {Describe(kind, expected)}; got {Shown(value)}");
            }
        }
    }

    private enum Kind
    {
        Integer,
        Number,
        Boolean,
        Duration,
        List,
        Section,
    }

    /// <summary>Every leaf (and, with <paramref name="includeSections"/>, every section) under <paramref name="value"/>, by full path.</summary>
    private static void Leaves(HoconValue value, string path, Dictionary<string, HoconValue> into, bool includeSections)
    {
        if (value.IsObject())
        {
            if (includeSections)
            {
                into[path] = value;
            }
            foreach (var (key, child) in value.GetObject().Items)
            {
                Leaves(child, $"{path}.{key}", into, includeSections);
            }
            return;
        }
        into[path] = value;
    }

    private static Kind? KindOf(HoconValue reference)
    {
        if (reference.IsObject())
        {
            return Kind.Section;
        }
        if (reference.IsArray())
        {
            return Kind.List;
        }
        string text = reference.GetString() ?? "";
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
        {
            return Kind.Integer;
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            return Kind.Number;
        }
        if (text is "on" or "off" or "true" or "false" or "yes" or "no")
        {
            return Kind.Boolean;
        }
        return DurationPattern().IsMatch(text) ? Kind.Duration : null; // a string: anything goes
    }

    private static bool Fits(HoconValue value, Kind kind)
    {
        if (kind == Kind.Section)
        {
            return value.IsObject();
        }
        if (value.IsObject())
        {
            return false;
        }
        if (kind == Kind.List)
        {
            // Akka's parser keeps an empty list ([]) as a value with no elements.
            return value.IsArray() || value.Values.All(v => v is HoconArray);
        }
        if (value.IsArray())
        {
            return false;
        }
        string text = value.GetString() ?? "";
        return kind switch
        {
            Kind.Integer => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
            Kind.Number => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _),
            Kind.Boolean => text is "on" or "off" or "true" or "false" or "yes" or "no",
            Kind.Duration => DurationPattern().IsMatch(text),
            _ => true,
        };
    }

    private static string Describe(Kind kind, HoconValue reference) => kind switch
    {
        Kind.Integer => $"a whole number (default {reference.GetString()})",
        Kind.Number => $"a number (default {reference.GetString()})",
        Kind.Boolean => $"on or off (default {reference.GetString()})",
        Kind.Duration => $"a duration such as 30s or 10m (default {reference.GetString()})",
        Kind.List => "a list [...]",
        _ => "a section { ... }",
    };

    private static string Shown(HoconValue value) =>
        value.IsObject() ? "a section { ... }" : value.IsArray() ? "a list [...]" : $"'{value.GetString()}'";

    /// <summary>The valid key closest to <paramref name="path"/> by edit distance (the first in reference order on a tie).</summary>
    internal static string Nearest(string path, IEnumerable<string> candidates)
    {
        string best = "";
        int bestDistance = int.MaxValue;
        foreach (string c in candidates)
        {
            int d = EditDistance(path, c);
            if (d < bestDistance)
            {
                best = c;
                bestDistance = d;
            }
        }
        return best;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    [GeneratedRegex(@"^\s*\d+(\.\d+)?\s*(ns|nanos?|nanoseconds?|us|micros?|microseconds?|ms|millis?|milliseconds?|s|seconds?|m|minutes?|h|hours?|d|days?)?\s*$|^infinite$")]
    private static partial Regex DurationPattern();
}
