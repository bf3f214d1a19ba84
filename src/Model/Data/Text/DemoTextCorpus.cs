using System.Globalization;
using System.Text.Json;
using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Data.Text;

/// <summary>
/// Small generated English text of our own (no licence questions) for the federated demo and its
/// tests: each client gets a different kind of text, so their data are non-IID: weather reports,
/// arithmetic, recipes, and question/answer pairs about capitals (instruction/response JSONL).
/// </summary>
public static class DemoTextCorpus
{
    public static readonly IReadOnlyList<string> Topics = ["weather", "arithmetic", "recipes", "capitals-qa"];

    private static readonly string[] Cities = ["Paris", "Lyon", "Oslo", "Lima", "Kyoto", "Cairo", "Quito", "Perth", "Turin", "Delhi"];
    private static readonly string[] Skies = ["sunny", "cloudy", "rainy", "windy", "foggy", "snowy"];
    private static readonly string[] Foods = ["rice", "beans", "pasta", "soup", "bread", "salad", "curry", "stew"];
    private static readonly string[] Verbs = ["boil", "bake", "stir", "chop", "fry", "mix"];
    private static readonly (string Country, string Capital)[] Capitals =
    [
        ("France", "Paris"), ("Norway", "Oslo"), ("Peru", "Lima"), ("Japan", "Tokyo"), ("Egypt", "Cairo"),
        ("Ecuador", "Quito"), ("Italy", "Rome"), ("India", "New Delhi"), ("Spain", "Madrid"), ("Chile", "Santiago"),
    ];

    /// <summary>One JSONL line of <paramref name="topic"/>.</summary>
    public static string Line(string topic, DeterministicRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        string Pick(string[] words) => words[random.NextInt(words.Length)];
        var c = CultureInfo.InvariantCulture;
        switch (topic)
        {
            case "weather":
                int t = random.NextInt(30);
                return Json(new { text = string.Create(c, $"In {Pick(Cities)} today it is {Pick(Skies)} and {t} degrees. Tomorrow will be {Pick(Skies)} with {t + random.NextInt(5)} degrees.") });
            case "arithmetic":
                int a = random.NextInt(10), b = random.NextInt(10);
                return Json(new { text = string.Create(c, $"{a} plus {b} is {a + b}. {a} times {b} is {a * b}.") });
            case "recipes":
                return Json(new { text = $"To make {Pick(Foods)}, {Pick(Verbs)} the {Pick(Foods)} and {Pick(Verbs)} it with {Pick(Foods)}." });
            case "capitals-qa":
                var (country, capital) = Capitals[random.NextInt(Capitals.Length)];
                return Json(new { instruction = $"What is the capital of {country}?", response = $"The capital of {country} is {capital}." });
            default:
                throw new ArgumentOutOfRangeException(nameof(topic), topic, $"unknown demo topic; expected one of {string.Join(", ", Topics)}");
        }
    }

    /// <summary>Writes <paramref name="lines"/> lines of <paramref name="topic"/> to <paramref name="folder"/>/data.jsonl.</summary>
    public static string WriteClient(string folder, string topic, int lines, ulong seed)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Directory.CreateDirectory(folder);
        var random = new DeterministicRandom(seed);
        string path = Path.Combine(folder, "data.jsonl");
        File.WriteAllLines(path, Enumerable.Range(0, lines).Select(_ => Line(topic, random)));
        return path;
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);
}
