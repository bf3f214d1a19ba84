using System.Globalization;
using HFedMoE.Model.Federated;
using Akka.Configuration;
using HFedMoE.Actors.Configuration;

namespace HFedMoE.Host.Simulation;

/// <summary>
/// The strategies' hyper-parameters a user may turn (<c>hfedmoe.simulate.strategy-options</c>):
/// ALGORITHM.md's λ, β, τ, what HFedMoE ranks by, how the router is merged, the "actually
/// trained" condition, and the baselines' own knobs. Defaults are <see cref="StrategyOptions"/>'s.
/// The ablation strategy names apply on top (hfedmoe-beta0 sets β = 0 whatever is here).
/// </summary>
internal sealed record StrategyKnobs
{
    /// <summary>The HOCON section under <see cref="SimulationSettings.ConfigPath"/>.</summary>
    public const string Section = "strategy-options";

    private static readonly StrategyOptions Defaults = new();

    public static StrategyKnobs Default { get; } = new();

    public static IReadOnlyList<string> RankByNames { get; } = ["ib", "importance"];

    public static IReadOnlyList<string> GatingNames { get; } = ["normalised", "unnormalised", "per-expert-column"];

    public static IReadOnlyList<string> PlusSelectionNames { get; } = ["ib", "importance", "snip"];

    public static IReadOnlyList<string> PlusRouterNames { get; } = ["fedavg", "preference", "holders"];

    public double Lambda { get; init; } = Defaults.Lambda;

    public double Beta { get; init; } = Defaults.Beta;

    public double Tau { get; init; } = Defaults.Tau;

    /// <summary><c>ib</c> (I(e) = s(e) − β·KL) or <c>importance</c> (s(e)).</summary>
    public string RankBy { get; init; } = "ib";

    /// <summary><c>normalised</c> (α̃), <c>unnormalised</c> (the paper's α) or <c>per-expert-column</c>.</summary>
    public string Gating { get; init; } = "normalised";

    public bool RequireTrained { get; init; } = Defaults.RequireTrained;

    public bool SparsityAwareAggregation { get; init; } = Defaults.SparsityAwareAggregation;

    public double FlameExponent { get; init; } = Defaults.FlameExponent;

    public double NaiveFailureThreshold { get; init; } = Defaults.NaiveFailureThreshold;

    public double MinWidthFraction { get; init; } = Defaults.MinWidthFraction;

    /// <summary>hfedmoe-plus: <c>ib</c>, <c>importance</c> or <c>snip</c> (<c>plus.selection</c>).</summary>
    public string PlusSelection { get; init; } = "snip";

    /// <summary>hfedmoe-plus: ρ, the weight of a client's untrained copy of an expert (<c>plus.untrained-weight</c>).</summary>
    public double PlusUntrainedWeight { get; init; } = Defaults.Plus.UntrainedWeight;

    /// <summary>hfedmoe-plus: <c>fedavg</c>, <c>preference</c> or <c>holders</c> (<c>plus.router</c>).</summary>
    public string PlusRouter { get; init; } = "holders";

    /// <summary>hfedmoe-plus: β of the server momentum per expert over its holders (<c>plus.server-momentum</c>).</summary>
    public double PlusServerMomentum { get; init; } = Defaults.Plus.ServerMomentum;

    /// <summary>hfedmoe-plus: η of the server step (<c>plus.server-lr</c>).</summary>
    public double PlusServerLearningRate { get; init; } = Defaults.Plus.ServerLearningRate;

    /// <summary>hfedmoe-plus: γ in η_e = η·(holders/accepted)^γ (<c>plus.holder-lr-exponent</c>).</summary>
    public double PlusHolderLrExponent { get; init; } = Defaults.Plus.HolderLrExponent;

    /// <summary>hfedmoe-plus: K, rounds without a holder after which an expert is explored (<c>plus.explore-after</c>, 0: off).</summary>
    public int PlusExploreAfter { get; init; } = Defaults.Plus.ExploreAfter;

    /// <summary>hfedmoe-plus: budget slots a client gives to stale experts at most (<c>plus.explore-slots</c>).</summary>
    public int PlusExploreSlots { get; init; } = Defaults.Plus.ExploreSlots;

    /// <summary>Reads the <see cref="Section"/> object of a <c>hfedmoe.simulate</c> config (reference.conf fills what it lacks).</summary>
    public static StrategyKnobs FromConfig(Config simulate)
    {
        ArgumentNullException.ThrowIfNull(simulate);
        var c = simulate.GetConfig(Section);
        return new StrategyKnobs
        {
            Lambda = c.GetDouble("lambda"),
            Beta = c.GetDouble("beta"),
            Tau = c.GetDouble("tau"),
            RankBy = c.GetString("rank-by"),
            Gating = c.GetString("gating"),
            RequireTrained = c.GetBoolean("require-trained"),
            SparsityAwareAggregation = c.GetBoolean("sparsity-aware-aggregation"),
            FlameExponent = c.GetDouble("flame-exponent"),
            NaiveFailureThreshold = c.GetDouble("naive-failure-threshold"),
            MinWidthFraction = c.GetDouble("min-width-fraction"),
            PlusSelection = c.GetString("plus.selection"),
            PlusUntrainedWeight = c.GetDouble("plus.untrained-weight"),
            PlusRouter = c.GetString("plus.router"),
            PlusServerMomentum = c.GetDouble("plus.server-momentum"),
            PlusServerLearningRate = c.GetDouble("plus.server-lr"),
            PlusHolderLrExponent = c.GetDouble("plus.holder-lr-exponent"),
            PlusExploreAfter = c.GetInt("plus.explore-after"),
            PlusExploreSlots = c.GetInt("plus.explore-slots"),
        };
    }

    /// <summary><paramref name="options"/> with these knobs (call <see cref="Validate"/> first).</summary>
    public StrategyOptions ApplyTo(StrategyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with
        {
            Lambda = Lambda,
            Beta = Beta,
            Tau = Tau,
            RankBy = RankBy == "importance" ? Model.Federated.RankBy.Importance : Model.Federated.RankBy.InformationBottleneck,
            Gating = Gating switch
            {
                "unnormalised" => RouterMerge.Unnormalised,
                "per-expert-column" => RouterMerge.PerExpertColumn,
                _ => RouterMerge.Normalised,
            },
            RequireTrained = RequireTrained,
            SparsityAwareAggregation = SparsityAwareAggregation,
            FlameExponent = FlameExponent,
            NaiveFailureThreshold = NaiveFailureThreshold,
            MinWidthFraction = MinWidthFraction,
            Plus = new PlusOptions(
                PlusSelection switch
                {
                    "ib" => Model.Federated.PlusSelection.InformationBottleneck,
                    "importance" => Model.Federated.PlusSelection.Importance,
                    _ => Model.Federated.PlusSelection.Snip,
                },
                PlusUntrainedWeight,
                PlusRouter switch
                {
                    "preference" => Model.Federated.PlusRouter.Preference,
                    "holders" => Model.Federated.PlusRouter.Holders,
                    _ => Model.Federated.PlusRouter.FedAvg,
                },
                PlusServerMomentum,
                PlusServerLearningRate,
                PlusHolderLrExponent,
                PlusExploreAfter,
                PlusExploreSlots),
        };
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid knob by its HOCON key and file.</summary>
    public void Validate(SettingOrigins origins)
    {
        ArgumentNullException.ThrowIfNull(origins);
        Range(origins, "lambda", Lambda, 0, 1);
        Range(origins, "beta", Beta, 0, double.MaxValue);
        Range(origins, "tau", Tau, 0, 1);
        Choice(origins, "rank-by", RankBy, RankByNames);
        Choice(origins, "gating", Gating, GatingNames);
        Range(origins, "flame-exponent", FlameExponent, 0, double.MaxValue);
        Range(origins, "naive-failure-threshold", NaiveFailureThreshold, 0, 1);
        if (!(MinWidthFraction > 0 && MinWidthFraction <= 1))
        {
            Fail(origins, "min-width-fraction", "a number in (0, 1]", MinWidthFraction);
        }
        Choice(origins, "plus.selection", PlusSelection, PlusSelectionNames);
        Range(origins, "plus.untrained-weight", PlusUntrainedWeight, 0, 1);
        Choice(origins, "plus.router", PlusRouter, PlusRouterNames);
        if (!(PlusServerMomentum >= 0 && PlusServerMomentum < 1))
        {
            Fail(origins, "plus.server-momentum", "a number in [0, 1)", PlusServerMomentum);
        }
        if (!(PlusServerLearningRate > 0 && PlusServerLearningRate <= 10))
        {
            Fail(origins, "plus.server-lr", "a number in (0, 10]", PlusServerLearningRate);
        }
        Range(origins, "plus.holder-lr-exponent", PlusHolderLrExponent, 0, 4);
        Range(origins, "plus.explore-after", PlusExploreAfter, 0, double.MaxValue);
        Range(origins, "plus.explore-slots", PlusExploreSlots, 1, double.MaxValue);
    }

    private static void Range(SettingOrigins origins, string key, double value, double lo, double hi)
    {
        if (!(value >= lo && value <= hi))
        {
            string range = double.IsPositiveInfinity(hi) || hi == double.MaxValue
                ? string.Create(CultureInfo.InvariantCulture, $"a number >= {lo}")
                : string.Create(CultureInfo.InvariantCulture, $"a number in [{lo}, {hi}]");
            Fail(origins, key, range, value);
        }
    }

    private static void Choice(SettingOrigins origins, string key, string value, IReadOnlyList<string> names)
    {
        if (!names.Contains(value, StringComparer.Ordinal))
        {
            string full = $"{Section}.{key}";
            throw new ArgumentException($"{origins.Name(full)} must be one of {string.Join(", ", names)}; got '{value}'{origins.Source(full)}");
        }
    }

    private static void Fail(SettingOrigins origins, string key, string expected, double value)
    {
        string full = $"{Section}.{key}";
        throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{origins.Name(full)} expects {expected}; got '{value}'{origins.Source(full)}"));
    }
}
