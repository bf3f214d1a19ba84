using System.Globalization;

namespace HFedMoE.Host.Simulation;

/// <summary>
/// One setting of <c>hfedmoe simulate</c>: its HOCON key under <see cref="SimulationSettings.ConfigPath"/>,
/// its command-line option (null: only the config file sets it), and its value as text. The
/// table is what error messages and the resume check name settings by.
/// </summary>
internal sealed record SimulationKey(string Key, string? Option, Func<SimulationSettings, string> Text, bool AffectsResults = true)
{
    /// <summary>The full HOCON path, e.g. <c>hfedmoe.simulate.alpha</c>.</summary>
    public string Path => $"{SimulationSettings.ConfigPath}.{Key}";

    /// <summary>Every key, in reference.conf order.</summary>
    public static IReadOnlyList<SimulationKey> All { get; } =
    [
        // More rounds only continue a run: each round depends on the round number and the model before it.
        new("rounds", "--rounds", s => Int(s.Rounds), AffectsResults: false),
        new("clients", "--clients", s => Int(s.Clients)),
        new("samples-per-client", "--samples-per-client", s => Int(s.SamplesPerClient)),
        new("alpha", "--alpha", s => Real(s.Alpha)),
        new("strategy", "--strategy", s => s.Strategy),
        new("seed", "--seed", s => Int(s.Seed)),
        new("local-steps", "--local-steps", s => Int(s.LocalSteps)),
        new("batch-size", "--batch-size", s => Int(s.BatchSize)),
        new("lr", "--lr", s => Real(s.LearningRate)),
        // The folder is the run's identity, not one of its settings.
        new("data-dir", "--data-dir", s => s.DataDir, AffectsResults: false),
        new("base", "--base", s => s.BasePath ?? ""),
        new("pretrain-steps", "--pretrain-steps", s => Int(s.PretrainSteps)),
        new("public-size", "--public-size", s => Int(s.PublicSize)),
        new("budgets", null, s => $"[{string.Join(", ", s.Budgets.Select(Real))}]"),
        new("frozen-prefixes", null, s => $"[{string.Join(", ", s.FrozenPrefixes)}]"),
        new("model.layers", "--layers", s => Int(s.Layers)),
        new("model.experts", "--experts", s => Int(s.Experts)),
        new("model.top-k", "--top-k", s => Int(s.TopK)),
        new("model.d-model", "--d-model", s => Int(s.DModel)),
        new("model.hidden", "--hidden", s => Int(s.Hidden)),
        new("model.attention", "--attention", s => s.Attention ? "on" : "off"),
        new("model.heads", "--heads", s => Int(s.Heads)),
        new("diagnose", "--diagnose", s => s.Diagnose ? "on" : "off", AffectsResults: false),
        new("strategy-options.lambda", null, s => Real(s.EffectiveKnobs.Lambda)),
        new("strategy-options.beta", null, s => Real(s.EffectiveKnobs.Beta)),
        new("strategy-options.tau", null, s => Real(s.EffectiveKnobs.Tau)),
        new("strategy-options.rank-by", null, s => s.EffectiveKnobs.RankBy),
        new("strategy-options.gating", null, s => s.EffectiveKnobs.Gating),
        new("strategy-options.require-trained", null, s => s.EffectiveKnobs.RequireTrained ? "on" : "off"),
        new("strategy-options.sparsity-aware-aggregation", null, s => s.EffectiveKnobs.SparsityAwareAggregation ? "on" : "off"),
        new("strategy-options.flame-exponent", null, s => Real(s.EffectiveKnobs.FlameExponent)),
        new("strategy-options.naive-failure-threshold", null, s => Real(s.EffectiveKnobs.NaiveFailureThreshold)),
        new("strategy-options.min-width-fraction", null, s => Real(s.EffectiveKnobs.MinWidthFraction)),
        new("strategy-options.plus.selection", null, s => s.EffectiveKnobs.PlusSelection),
        new("strategy-options.plus.untrained-weight", null, s => Real(s.EffectiveKnobs.PlusUntrainedWeight)),
        new("strategy-options.plus.router", null, s => s.EffectiveKnobs.PlusRouter),
        new("strategy-options.plus.server-momentum", null, s => Real(s.EffectiveKnobs.PlusServerMomentum)),
        new("strategy-options.plus.server-lr", null, s => Real(s.EffectiveKnobs.PlusServerLearningRate)),
        new("strategy-options.plus.holder-lr-exponent", null, s => Real(s.EffectiveKnobs.PlusHolderLrExponent)),
        new("strategy-options.plus.explore-after", null, s => Int(s.EffectiveKnobs.PlusExploreAfter)),
        new("strategy-options.plus.explore-slots", null, s => Int(s.EffectiveKnobs.PlusExploreSlots)),
    ];

    /// <summary>The key named <paramref name="key"/> (relative to <see cref="SimulationSettings.ConfigPath"/>).</summary>
    /// <exception cref="KeyNotFoundException">No such key.</exception>
    public static SimulationKey Named(string key) =>
        All.FirstOrDefault(k => k.Key == key) ?? throw new KeyNotFoundException($"{SimulationSettings.ConfigPath}.{key} is not a simulate setting");

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Real(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
