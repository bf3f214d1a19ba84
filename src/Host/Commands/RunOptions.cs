using System.CommandLine;
using System.CommandLine.Parsing;
using Akka.Configuration;
using HFedMoE.Actors.Configuration;
using HFedMoE.Host.Simulation;
using HFedMoE.Model.Federated;

namespace HFedMoE.Host.Commands;

/// <summary>
/// The options of a federated run (<c>hfedmoe.simulate</c>: data, model shape, strategy, local
/// training, data folder), shared by <c>simulate</c>, <c>seed</c> and <c>client</c> so that the
/// same flags mean the same run everywhere. A command adds the ones it uses; the others keep the
/// config file's (or reference.conf's) value.
/// </summary>
internal sealed class RunOptions
{
    private static readonly SimulationSettings D = new();

    public Option<string> Config { get; } = CliOptions.Path("--config", null, $"HOCON file layered over the defaults; its {SimulationSettings.ConfigPath} section sets any option below (the command line wins)");
    public Option<int> Rounds { get; } = CliOptions.Int("--rounds", D.Rounds, 1, "federated rounds");
    public Option<int> Clients { get; } = CliOptions.Int("--clients", D.Clients, 1, "clients (budget tiers 4/8/16/32 assigned round-robin)");
    public Option<int> Samples { get; } = CliOptions.Int("--samples-per-client", D.SamplesPerClient, 1, "training samples per client");
    public Option<double> Alpha { get; } = CliOptions.Double("--alpha", D.Alpha, 0, double.PositiveInfinity, minExclusive: true, "Dirichlet concentration over topics (0.1 very skewed)");
    public Option<string> Strategy { get; } = CliOptions.Choice("--strategy", D.Strategy, [.. StrategyFactory.Names], "federated strategy");
    public Option<int> Seed { get; }
    public Option<int> LocalSteps { get; } = CliOptions.Int("--local-steps", D.LocalSteps, 1, "local steps per client per round");
    public Option<int> Batch { get; } = CliOptions.Int("--batch-size", D.BatchSize, 1, "local batch size");
    public Option<double> Lr { get; } = CliOptions.Double("--lr", D.LearningRate, 0, 1, minExclusive: true, "local Adam learning rate");
    public Option<string> DataDir { get; } = CliOptions.Path("--data-dir", D.DataDir, "folder for the journal, spool, checkpoints and rounds.csv/json; a folder holding an unfinished run resumes it (same settings required)");
    public Option<string> Base { get; } = CliOptions.Path("--base", null, "pre-trained checkpoint (hfedmoe pretrain; its model shape wins over the shape options); without it the base is pre-trained first");
    public Option<int> PretrainSteps { get; } = CliOptions.Int("--pretrain-steps", D.PretrainSteps, 1, "pre-training steps when no --base is given");
    public Option<int> PublicSize { get; } = CliOptions.Int("--public-size", D.PublicSize, 1, "public pre-training samples");
    public Option<int> Layers { get; } = CliOptions.Int("--layers", D.Layers, 1, "MoE blocks", 64);
    public Option<int> Experts { get; } = CliOptions.Int("--experts", D.Experts, 1, "experts per MoE block", 4096);
    public Option<int> TopK { get; } = CliOptions.Int("--top-k", D.TopK, 1, "experts per token", 4096);
    public Option<int> DModel { get; } = CliOptions.Int("--d-model", D.DModel, 1, "model width", 65536);
    public Option<int> Hidden { get; } = CliOptions.Int("--hidden", D.Hidden, 1, "expert hidden width", 65536);
    public Option<string> Attention { get; } = CliOptions.Choice("--attention", D.Attention ? "on" : "off", ["off", "on"], "self-attention sub-layer in each block");
    public Option<int> Heads { get; } = CliOptions.Int("--heads", D.Heads, 1, "attention heads (with --attention on)", 1024);

    /// <param name="seedName">The name of the run's seed option: <c>--seed</c>, except where that names a seed node (<c>hfedmoe client</c>).</param>
    public RunOptions(string seedName = "--seed") =>
        Seed = CliOptions.Int(seedName, D.Seed, 0, "seed of the data, the base model (when pre-trained) and the strategy");

    /// <summary>Every run option, in the order <c>simulate</c> lists them.</summary>
    public IReadOnlyList<Option> All =>
        [Config, Rounds, Clients, Samples, Alpha, Strategy, Seed, LocalSteps, Batch, Lr, DataDir, Base, PretrainSteps, PublicSize, Layers, Experts, TopK, DModel, Hidden, Attention, Heads];

    /// <summary>What decides a client's data shard and its model: the data, the base and the shape (not the rounds, strategy or local training, which come in each round's plan).</summary>
    public IReadOnlyList<Option> ClientData =>
        [Config, Clients, Samples, Alpha, Seed, Base, PublicSize, Layers, Experts, TopK, DModel, Hidden, Attention, Heads];

    /// <summary>
    /// The config file over the reference, the run settings it gives with the command line over
    /// them, and where each setting came from (for error messages).
    /// </summary>
    /// <exception cref="ConfigurationException">The config file is missing, malformed or sets an unknown key.</exception>
    /// <exception cref="FormatException">A value of the wrong kind in the file.</exception>
    public (Config Loaded, SimulationSettings Settings, SettingOrigins Origins) Read(ParseResult parse, Command command)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(command);
        string? configFile = parse.GetValue(Config);
        var loaded = HfedmoeConfig.Load(configFile);
        var s = SimulationSettings.FromConfig(loaded);
        T Pick<T>(Option<T> option, T fromConfig) => Given(parse, option) ? parse.GetValue(option)! : fromConfig;
        s = s with
        {
            Rounds = Pick(Rounds, s.Rounds),
            Clients = Pick(Clients, s.Clients),
            SamplesPerClient = Pick(Samples, s.SamplesPerClient),
            Alpha = Pick(Alpha, s.Alpha),
            Strategy = Pick(Strategy, s.Strategy),
            Seed = Pick(Seed, s.Seed),
            LocalSteps = Pick(LocalSteps, s.LocalSteps),
            BatchSize = Pick(Batch, s.BatchSize),
            LearningRate = Pick(Lr, s.LearningRate),
            DataDir = Pick(DataDir, s.DataDir),
            BasePath = Given(parse, Base) ? parse.GetValue(Base) : s.BasePath,
            PretrainSteps = Pick(PretrainSteps, s.PretrainSteps),
            PublicSize = Pick(PublicSize, s.PublicSize),
            Layers = Pick(Layers, s.Layers),
            Experts = Pick(Experts, s.Experts),
            TopK = Pick(TopK, s.TopK),
            DModel = Pick(DModel, s.DModel),
            Hidden = Pick(Hidden, s.Hidden),
            Attention = Given(parse, Attention) ? parse.GetValue(Attention) == "on" : s.Attention,
            Heads = Pick(Heads, s.Heads),
        };
        var given = command.Options.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var origins = SettingOrigins.Of(configFile,
            SimulationKey.All.Where(k => k.Option is not null && given.Contains(k.Option)).Select(k => k.Key).ToHashSet(StringComparer.Ordinal));
        return (loaded, s, origins);
    }

    public static bool Given<T>(ParseResult parse, Option<T> option) => parse.GetResult(option) is { Implicit: false };
}
