using System.Globalization;
using Akka.Configuration;
using HFedMoE.Actors.Configuration;

namespace HFedMoE.Host.Experiment;

/// <summary>
/// What one layer (the command line, or the <c>hfedmoe.experiment</c> config section) chose; null
/// means "not chosen here", so the next layer (finally the preset) decides.
/// </summary>
internal sealed record ExperimentChoices
{
    public const string ConfigPath = "hfedmoe.experiment";

    public string? Preset { get; init; }

    public IReadOnlyList<string>? Strategies { get; init; }

    public IReadOnlyList<int>? Seeds { get; init; }

    public IReadOnlyList<double>? Alphas { get; init; }

    public IReadOnlyList<IReadOnlyList<double>>? BudgetSets { get; init; }

    public int? Rounds { get; init; }

    public int? PretrainSteps { get; init; }

    public string? Out { get; init; }

    public string? BasePath { get; init; }

    public int? Parallel { get; init; }

    public string? Progress { get; init; }

    public static IReadOnlyList<string> ProgressModes { get; } = ["auto", "bar", "plain"];

    /// <summary>These choices, with <paramref name="fallback"/>'s where this layer chose nothing.</summary>
    public ExperimentChoices Over(ExperimentChoices fallback)
    {
        ArgumentNullException.ThrowIfNull(fallback);
        return new ExperimentChoices
        {
            Preset = Preset ?? fallback.Preset,
            Strategies = Strategies ?? fallback.Strategies,
            Seeds = Seeds ?? fallback.Seeds,
            Alphas = Alphas ?? fallback.Alphas,
            BudgetSets = BudgetSets ?? fallback.BudgetSets,
            Rounds = Rounds ?? fallback.Rounds,
            PretrainSteps = PretrainSteps ?? fallback.PretrainSteps,
            Out = Out ?? fallback.Out,
            BasePath = BasePath ?? fallback.BasePath,
            Parallel = Parallel ?? fallback.Parallel,
            Progress = Progress ?? fallback.Progress,
        };
    }

    /// <summary>
    /// Reads <see cref="ConfigPath"/> (over <c>hocon/reference.conf</c>): an empty list, 0 or ""
    /// leaves the choice to the preset.
    /// </summary>
    /// <exception cref="ArgumentException">A value that is not valid; the message names the key.</exception>
    /// <exception cref="ConfigurationException">A key of the wrong type.</exception>
    public static ExperimentChoices FromConfig(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var c = HfedmoeConfig.WithReference(config).GetConfig(ConfigPath);
        string Key(string name) => $"{ConfigPath}.{name}";
        IReadOnlyList<string>? List(string name) => c.GetStringList(name) is { Count: > 0 } l ? [.. l] : null;
        string? Text(string name) => c.GetString(name) is { Length: > 0 } s ? s : null;
        int? Count(string name, int min)
        {
            int value = c.GetInt(name);
            if (value == 0)
            {
                return null;
            }
            return value >= min ? value : throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{Key(name)} expects a whole number >= {min} (0: the preset's); got '{value}'"));
        }

        string? preset = Text("preset");
        if (preset is not null)
        {
            ExperimentPreset.Named(preset, Key("preset"));
        }
        string? progress = Text("progress");
        if (progress is not null && !ProgressModes.Contains(progress))
        {
            throw new ArgumentException($"{Key("progress")} must be one of {string.Join(", ", ProgressModes)}; got '{progress}'");
        }
        return new ExperimentChoices
        {
            Preset = preset,
            Strategies = List("strategies") is { } s ? GridListParser.Strategies(s, Key("strategies")) : null,
            Seeds = List("seeds") is { } seeds ? GridListParser.Seeds(seeds, Key("seeds")) : null,
            Alphas = List("alphas") is { } a ? GridListParser.Alphas(a, Key("alphas")) : null,
            BudgetSets = List("budget-sets") is { } b ? GridListParser.BudgetSets(b, Key("budget-sets")) : null,
            Rounds = Count("rounds", 1),
            PretrainSteps = Count("pretrain-steps", 1),
            Out = Text("out"),
            BasePath = Text("base"),
            Parallel = Count("parallel", 1),
            Progress = progress,
        };
    }
}
