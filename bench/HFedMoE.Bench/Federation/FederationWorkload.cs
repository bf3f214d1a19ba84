using HFedMoE.Actors.Rounds;
using HFedMoE.Actors.Server;
using HFedMoE.Model.Data;
using HFedMoE.Model.Federated;
using HFedMoE.Model.Nn;
using HFedMoE.Model.Tensors;
using HFedMoE.Model.Torch;

namespace HFedMoE.Bench.Federation;

/// <summary>
/// A small per-client workload for the round-overhead benchmark: a 2-layer × 8-expert MoE
/// (d = 64, expert hidden 128, sequence 32, no attention), each client 16 samples of a 4-class
/// keyword task (two classes per client, non-IID), three budget tiers, and one local step (or
/// <c>localSteps</c>) at batch 8 per round. Trained on the shipped engine (TorchSharp, the CPU)
/// with libtorch on one intra-op thread, so a training call runs on one thread and the training
/// parallelism is the caller's alone.
/// </summary>
internal sealed record FederationWorkload(string Strategy, StrategyOptions Options, ModelConfig Model, GlobalModel Initial, IReadOnlyList<ClientSetup> Clients, LocalTrainerOptions Trainer)
{
    private const int SamplesPerClient = 16;

    public static ModelConfig Config { get; } = new()
    {
        Vocab = 64, SeqLen = 32, DModel = 64, Heads = 4, Layers = 2, Experts = 8, TopK = 2, ExpertHidden = 128, Classes = 4,
    };

    public static FederationWorkload Create(string strategy, int clients, int localSteps = 1)
    {
        var options = new StrategyOptions
        {
            Local = new LocalSettings(Steps: localSteps, BatchSize: 8, LearningRate: 1e-2),
            Tiers = [new("low", 4, 1), new("mid", 8, 2), new("high", 16, 2)],
        };
        string[] tiers = ["low", "mid", "high"];
        var setups = new List<ClientSetup>(clients);
        for (int c = 0; c < clients; c++)
        {
            var data = Task((ulong)(1000 + c), SamplesPerClient, [c % 4, (c + 1) % 4]);
            setups.Add(new ClientSetup(new ClientProfile($"client-{c:D4}", data.Count, Tier: tiers[c % tiers.Length]), data));
        }
        var initial = GlobalModel.FromStore(ParameterStore.Initial(Config, seed: 11));
        return new FederationWorkload(strategy, options, Config, initial, setups, TrainerOptions());
    }

    /// <summary>The TorchSharp engine on the CPU, libtorch on one thread (process-wide: set once, idempotent).</summary>
    public static LocalTrainerOptions TrainerOptions() =>
        new() { Device = TorchDevice.Open(TorchSettings.Parse("cpu", 1)).Device };

    public FederationSetup Setup(int threads) => new(
        Strategy, Options, Model, Initial, Clients,
        new RoundSettings { MinClients = Clients.Count, Deadline = TimeSpan.FromMinutes(30), SnapshotEvery = 10 },
        Trainer, TrainerPoolSize: threads);

    /// <summary>A sample's label is the class whose keywords (tokens 10c+1 … 10c+10) fill about half of it.</summary>
    private static Dataset Task(ulong seed, int count, int[] classes)
    {
        var rng = new DeterministicRandom(seed);
        var samples = new List<Sample>(count);
        for (int i = 0; i < count; i++)
        {
            int label = classes[rng.NextInt(classes.Length)];
            var tokens = new int[Config.SeqLen];
            for (int t = 0; t < tokens.Length; t++)
            {
                tokens[t] = rng.NextDouble() < 0.5 ? 10 * label + 1 + rng.NextInt(10) : 41 + rng.NextInt(Config.Vocab - 41);
            }
            samples.Add(new Sample(tokens, label, label, 0, false, 0));
        }
        return new Dataset(samples);
    }
}
