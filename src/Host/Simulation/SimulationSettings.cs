using System.Globalization;
using HFedMoE.Model.Data;
using HFedMoE.Model.Federated;
using HFedMoE.Model.Nn;
using Akka.Configuration;
using HFedMoE.Actors.Configuration;

namespace HFedMoE.Host.Simulation;

/// <summary>
/// Everything a <c>hfedmoe simulate</c> run depends on. Defaults are ALGORITHM.md §5 (20
/// clients × 300 samples, Dirichlet α = 0.5, budget tiers 4/8/16/32 expert backward passes,
/// 10 local steps at batch 8, lr 3e-3) except <see cref="Rounds"/>, which is sized to finish in a
/// few minutes on 2 cores (see src/Host/README.md).
/// </summary>
internal sealed record SimulationSettings
{
    /// <summary>The HOCON section read by <see cref="FromConfig"/>.</summary>
    public const string ConfigPath = "hfedmoe.simulate";

    public int Rounds { get; init; } = 30;

    public int Clients { get; init; } = 20;

    public int SamplesPerClient { get; init; } = 300;

    public double Alpha { get; init; } = 0.5;

    public string Strategy { get; init; } = StrategyFactory.HFedMoE;

    public int Seed { get; init; } = 7;

    public int LocalSteps { get; init; } = 10;

    public int BatchSize { get; init; } = 8;

    public double LearningRate { get; init; } = 3e-3;

    public string DataDir { get; init; } = ".data/simulate";

    /// <summary>A pre-trained checkpoint; null: pre-train one with <see cref="PretrainSteps"/> steps.</summary>
    public string? BasePath { get; init; }

    public int PretrainSteps { get; init; } = 1500;

    public int PublicSize { get; init; } = 8000;

    /// <summary>Compute caps (expert backward passes per batch) of the tiers, assigned to clients round-robin.</summary>
    public IReadOnlyList<double> Budgets { get; init; } = [4, 8, 16, 32];

    /// <summary>Parameters not trained during fine-tuning (§5: embeddings and positions).</summary>
    public IReadOnlyList<string> FrozenPrefixes { get; init; } = ["embed."];

    public int Layers { get; init; } = 2;

    public int Experts { get; init; } = 16;

    public int TopK { get; init; } = 2;

    public int DModel { get; init; } = 64;

    public int Hidden { get; init; } = 128;

    public bool Attention { get; init; }

    /// <summary>
    /// The strategies' hyper-parameters (<c>strategy-options</c>); null: the defaults. Null rather
    /// than a default object keeps the JSON of default settings (and the fingerprints of
    /// experiment cells made before these keys existed) unchanged.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public StrategyKnobs? Knobs { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public StrategyKnobs EffectiveKnobs => Knobs ?? StrategyKnobs.Default;

    public int Heads { get; init; } = 4;

    /// <summary>
    /// Write the per-round, per-expert and per-client diagnostics (<see cref="RunDiagnostics"/>).
    /// Not part of the run's identity: it changes what is written, never what is trained.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Diagnose { get; init; }

    public CorpusConfig Corpus => new() { PublicSize = PublicSize };

    public PartitionConfig Partition => new() { Clients = Clients, SamplesPerClient = SamplesPerClient, DirichletAlpha = Alpha };

    /// <summary>The fine-tuning model: the corpus's vocabulary, length and topics, a task head and no LM head.</summary>
    public ModelConfig Model
    {
        get
        {
            var corpus = Corpus;
            return new ModelConfig
            {
                Vocab = corpus.VocabularySize,
                SeqLen = corpus.SequenceLength,
                Classes = corpus.Topics,
                Layers = Layers,
                Experts = Experts,
                TopK = TopK,
                DModel = DModel,
                ExpertHidden = Hidden,
                UseAttention = Attention,
                Heads = Heads,
            };
        }
    }

    /// <summary>
    /// These settings with the model shape of <paramref name="model"/> (a checkpoint's), so
    /// that a base written by <c>hfedmoe pretrain</c> with any shape loads as it is.
    /// </summary>
    public SimulationSettings WithShapeOf(ModelConfig model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return this with
        {
            Layers = model.Layers,
            Experts = model.Experts,
            TopK = model.TopK,
            DModel = model.DModel,
            Hidden = model.ExpertHidden,
            Attention = model.UseAttention,
            Heads = model.Heads,
        };
    }

    /// <summary>Tier names are <c>b{cap}</c>; client c gets tier c mod |budgets|.</summary>
    public string TierOf(int client) => TierName(Budgets[client % Budgets.Count]);

    public static string TierName(double cap) => string.Create(CultureInfo.InvariantCulture, $"b{cap}");

    public StrategyOptions StrategyOptions() => EffectiveKnobs.ApplyTo(new()
    {
        Seed = Seed,
        ModelTopK = TopK,
        Local = new LocalSettings(LocalSteps, BatchSize, LearningRate),
        Tiers = [.. Budgets.Distinct().Select(b => new BudgetTier(TierName(b), b))],
    });

    /// <summary>
    /// Reads <see cref="ConfigPath"/> from <paramref name="config"/>, falling back key by key to
    /// <c>hocon/reference.conf</c>, which documents every key and its default.
    /// </summary>
    /// <exception cref="ConfigurationException">A key of the wrong type.</exception>
    public static SimulationSettings FromConfig(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var c = HfedmoeConfig.WithReference(config).GetConfig(ConfigPath);
        string basePath = c.GetString("base");
        var knobs = StrategyKnobs.FromConfig(c);
        return new SimulationSettings
        {
            Knobs = knobs == StrategyKnobs.Default ? null : knobs,
            Rounds = c.GetInt("rounds"),
            Clients = c.GetInt("clients"),
            SamplesPerClient = c.GetInt("samples-per-client"),
            Alpha = c.GetDouble("alpha"),
            Strategy = c.GetString("strategy"),
            Seed = c.GetInt("seed"),
            LocalSteps = c.GetInt("local-steps"),
            BatchSize = c.GetInt("batch-size"),
            LearningRate = c.GetDouble("lr"),
            DataDir = c.GetString("data-dir"),
            BasePath = basePath.Length == 0 ? null : basePath,
            PretrainSteps = c.GetInt("pretrain-steps"),
            PublicSize = c.GetInt("public-size"),
            Budgets = [.. c.GetStringList("budgets").Select(s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture))],
            FrozenPrefixes = [.. c.GetStringList("frozen-prefixes")],
            Layers = c.GetInt("model.layers"),
            Experts = c.GetInt("model.experts"),
            TopK = c.GetInt("model.top-k"),
            DModel = c.GetInt("model.d-model"),
            Hidden = c.GetInt("model.hidden"),
            Attention = c.GetBoolean("model.attention"),
            Heads = c.GetInt("model.heads"),
            Diagnose = c.GetBoolean("diagnose"),
        };
    }

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> naming the first invalid setting and what it
    /// accepts: by its command-line option, or by its HOCON key and file when
    /// <paramref name="origins"/> says it came from one.
    /// </summary>
    public SimulationSettings Validate(SettingOrigins? origins = null)
    {
        var o = origins ?? SettingOrigins.CommandLine;
        if (!StrategyFactory.Names.Contains(Strategy))
        {
            throw new ArgumentException($"{o.Name("strategy")} must be one of {string.Join(", ", StrategyFactory.Names)}; got '{Strategy}'{o.Source("strategy")}");
        }
        Require(o, Rounds >= 1, "rounds", Rounds, ">= 1");
        Require(o, Clients >= 1, "clients", Clients, ">= 1");
        Require(o, SamplesPerClient >= 1, "samples-per-client", SamplesPerClient, ">= 1");
        Require(o, Alpha > 0 && double.IsFinite(Alpha), "alpha", Alpha, "> 0");
        Require(o, Seed >= 0, "seed", Seed, ">= 0");
        Require(o, LocalSteps >= 1, "local-steps", LocalSteps, ">= 1");
        Require(o, BatchSize >= 1, "batch-size", BatchSize, ">= 1");
        Require(o, LearningRate > 0 && double.IsFinite(LearningRate), "lr", LearningRate, "> 0");
        Require(o, PretrainSteps >= 1, "pretrain-steps", PretrainSteps, ">= 1");
        Require(o, PublicSize >= 1, "public-size", PublicSize, ">= 1");
        Require(o, DataDir.Length > 0, "data-dir", DataDir, "a folder path");
        if (Budgets.Count == 0 || Budgets.Any(b => !(b > 0) || !double.IsFinite(b)))
        {
            throw new ArgumentException($"{o.Name("budgets")} must be a non-empty list of numbers > 0; got [{string.Join(", ", Budgets)}]{o.Source("budgets")}");
        }
        Require(o, Layers >= 1, "model.layers", Layers, ">= 1");
        Require(o, Experts >= 1, "model.experts", Experts, ">= 1");
        Require(o, TopK >= 1 && TopK <= Experts, "model.top-k", TopK, $"1..{Experts} (the experts per block)");
        Require(o, DModel >= 1, "model.d-model", DModel, ">= 1");
        Require(o, Hidden >= 1, "model.hidden", Hidden, ">= 1");
        Require(o, Heads >= 1, "model.heads", Heads, ">= 1");
        Require(o, !Attention || DModel % Heads == 0, "model.heads", Heads, $"a divisor of the model width {DModel} (with attention on)");
        EffectiveKnobs.Validate(o);
        Corpus.Validate();
        Partition.Validate();
        Model.Validate();
        return this;
    }

    private static void Require(SettingOrigins origins, bool ok, string key, object value, string expected)
    {
        if (!ok)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{origins.Name(key)} expects {expected}; got '{value}'{origins.Source(key)}"));
        }
    }
}
