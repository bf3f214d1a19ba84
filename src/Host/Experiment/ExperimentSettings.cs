using HFedMoE.Host.Simulation;

namespace HFedMoE.Host.Experiment;

/// <summary>
/// A resolved experiment: the grid (strategies × seeds × alphas × budget sets), the rounds and
/// pre-training of every cell, and the simulate settings every cell starts from
/// (<see cref="Template"/>, the <c>hfedmoe.simulate</c> section: clients, model shape, ...).
/// </summary>
internal sealed record ExperimentSettings
{
    public required string Preset { get; init; }

    public required IReadOnlyList<string> Strategies { get; init; }

    public required IReadOnlyList<int> Seeds { get; init; }

    public required IReadOnlyList<double> Alphas { get; init; }

    /// <summary>The budget-tier sets; one entry (the template's tiers) unless the user gave several.</summary>
    public required IReadOnlyList<IReadOnlyList<double>> BudgetSets { get; init; }

    /// <summary>Whether the cell folders carry the tiers (the user chose budget sets).</summary>
    public bool TiersInPath { get; init; }

    public required int Rounds { get; init; }

    public required int PretrainSteps { get; init; }

    public string Out { get; init; } = ".data/experiment";

    /// <summary>One base checkpoint for every cell; null: one pre-trained per seed into <see cref="Out"/>.</summary>
    public string? BasePath { get; init; }

    /// <summary>Cells run at once.</summary>
    public int Parallel { get; init; } = 1;

    public required SimulationSettings Template { get; init; }

    /// <summary>
    /// Layers <paramref name="choices"/> (command line over config already merged) over the
    /// preset they name (default <c>full</c>).
    /// </summary>
    public static ExperimentSettings Resolve(ExperimentChoices choices, SimulationSettings template)
    {
        ArgumentNullException.ThrowIfNull(choices);
        ArgumentNullException.ThrowIfNull(template);
        var preset = ExperimentPreset.Named(choices.Preset ?? ExperimentPreset.Full.Name, "--preset");
        return new ExperimentSettings
        {
            Preset = preset.Name,
            Strategies = choices.Strategies ?? preset.Strategies,
            Seeds = choices.Seeds ?? preset.Seeds,
            Alphas = choices.Alphas ?? preset.Alphas,
            BudgetSets = choices.BudgetSets ?? [template.Budgets],
            TiersInPath = choices.BudgetSets is not null,
            Rounds = choices.Rounds ?? preset.Rounds,
            PretrainSteps = choices.PretrainSteps ?? preset.PretrainSteps ?? template.PretrainSteps,
            Out = choices.Out ?? ".data/experiment",
            BasePath = choices.BasePath,
            Parallel = choices.Parallel ?? 1,
            Template = template,
        };
    }

    /// <summary>Every cell, grouped by budget set, then alpha, then strategy, then seed.</summary>
    public IReadOnlyList<GridCell> Cells() =>
    [
        .. from budgets in BudgetSets
           from alpha in Alphas
           from strategy in Strategies
           from seed in Seeds
           select new GridCell(alpha, budgets, strategy, seed, TiersInPath),
    ];

    /// <summary>The simulate settings of one cell (its folder under <see cref="Out"/>, the base it fine-tunes).</summary>
    public SimulationSettings CellSettings(GridCell cell, string basePath)
    {
        ArgumentNullException.ThrowIfNull(cell);
        return Template with
        {
            Rounds = Rounds,
            Alpha = cell.Alpha,
            Strategy = cell.Strategy,
            Seed = cell.Seed,
            Budgets = cell.Budgets,
            PretrainSteps = PretrainSteps,
            DataDir = cell.Directory(Out),
            BasePath = basePath,
        };
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public ExperimentSettings Validate()
    {
        if (Parallel < 1)
        {
            throw new ArgumentException($"--parallel expects a whole number >= 1; got '{Parallel}'");
        }
        if (Out.Length == 0)
        {
            throw new ArgumentException("--out expects a folder path; got ''");
        }
        Template.Validate();
        foreach (var budgets in BudgetSets)
        {
            (Template with { Budgets = budgets }).Validate();
        }
        return this;
    }
}
