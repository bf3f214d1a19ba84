using System.Globalization;
using Akka.Configuration;
using HFedMoE.Actors.Configuration;
using HFedMoE.Model.Data.Text;
using HFedMoE.Model.Torch;

namespace HFedMoE.Host.HuggingFace;

/// <summary>The <c>hfedmoe.hf</c> section: model folder, client data, the federated run and the export.</summary>
internal sealed record HfSettings
{
    public const string ConfigPath = "hfedmoe.hf";

    public string? Source { get; init; }
    public string? ClientsDir { get; init; }
    public int MaxLength { get; init; } = 128;
    public double HeldOutFraction { get; init; } = 0.2;
    public BadLinePolicy BadLines { get; init; } = BadLinePolicy.Skip;
    public int Rounds { get; init; } = 5;
    public string Strategy { get; init; } = "hfedmoe";
    public IReadOnlyList<double> Budgets { get; init; } = [2, 4, 8, 16];
    public int LocalSteps { get; init; } = 8;
    public int BatchSize { get; init; } = 8;
    public double LearningRate { get; init; } = 3e-3;
    public int Seed { get; init; } = 7;
    /// <summary>libtorch's device and threads (<c>hfedmoe.model</c>).</summary>
    public TorchSettings Torch { get; init; } = TorchSettings.Cpu;
    public string Out { get; init; } = ".data/hf-federate";
    public string? ExportDtype { get; init; }
    public int MaxShardMb { get; init; } = 5000;

    public static HfSettings FromConfig(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var c = HfedmoeConfig.WithReference(config).GetConfig(ConfigPath);
        string Optional(string key) => c.GetString(key);
        string badLines = c.GetString("data.bad-lines");
        var settings = new HfSettings
        {
            Source = Optional("model.source") is { Length: > 0 } s ? s : null,
            ClientsDir = Optional("data.clients-dir") is { Length: > 0 } d ? d : null,
            MaxLength = c.GetInt("data.max-length"),
            HeldOutFraction = c.GetDouble("data.held-out-fraction"),
            BadLines = badLines switch
            {
                "skip" => BadLinePolicy.Skip,
                "fatal" => BadLinePolicy.Fatal,
                _ => throw new ConfigurationException($"hfedmoe.hf.data.bad-lines = '{badLines}'; expected skip or fatal"),
            },
            Rounds = c.GetInt("federate.rounds"),
            Strategy = c.GetString("federate.strategy"),
            Budgets = [.. c.GetStringList("federate.budgets").Select(b => double.Parse(b, NumberStyles.Float, CultureInfo.InvariantCulture))],
            LocalSteps = c.GetInt("federate.local-steps"),
            BatchSize = c.GetInt("federate.batch-size"),
            LearningRate = c.GetDouble("federate.lr"),
            Seed = c.GetInt("federate.seed"),
            Torch = TorchConfig.FromConfig(config),
            Out = c.GetString("federate.out"),
            ExportDtype = Optional("export.dtype") is { Length: > 0 } t ? t : null,
            MaxShardMb = c.GetInt("export.max-shard-mb"),
        };
        settings.Validate();
        return settings;
    }

    /// <summary>Throws naming the first key out of range.</summary>
    public void Validate()
    {
        void Check(bool ok, string key, object value, string expected)
        {
            if (!ok)
            {
                throw new ConfigurationException($"hfedmoe.hf.{key} = {value}; expected {expected}");
            }
        }
        Check(MaxLength >= 2, "data.max-length", MaxLength, "≥ 2");
        Check(HeldOutFraction > 0 && HeldOutFraction < 1, "data.held-out-fraction", HeldOutFraction, "a number in (0, 1)");
        Check(Rounds >= 1, "federate.rounds", Rounds, "≥ 1");
        Check(Budgets.Count > 0 && Budgets.All(b => b >= 1), "federate.budgets", $"[{string.Join(", ", Budgets)}]", "a non-empty list of caps ≥ 1");
        Check(LocalSteps >= 1, "federate.local-steps", LocalSteps, "≥ 1");
        Check(BatchSize >= 1, "federate.batch-size", BatchSize, "≥ 1");
        Check(LearningRate > 0, "federate.lr", LearningRate, "> 0");
        Check(ExportDtype is null or "float32" or "float16" or "bfloat16", "export.dtype", ExportDtype ?? "", "float32, float16, bfloat16 or empty");
        Check(MaxShardMb >= 1, "export.max-shard-mb", MaxShardMb, "≥ 1");
    }
}
