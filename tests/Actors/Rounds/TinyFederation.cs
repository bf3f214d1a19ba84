using HFedMoE.Model.Data;
using HFedMoE.Model.Federated;
using HFedMoE.Model.Nn;
using HFedMoE.Model.Nn.TorchMoE;
using HFedMoE.Model.Tensors;

namespace HFedMoE.Actors.Tests.Rounds;

/// <summary>
/// A tiny MoE (2 layers × 4 experts, d = 16) on a 4-class keyword task: a sample's label is the
/// class whose keywords (tokens 10c+1 … 10c+10) fill about half of it. Clients see two classes
/// each (non-IID) and differ in budget tier, so their plans differ.
/// </summary>
internal static class TinyFederation
{
    public static readonly ModelConfig Config = new()
    {
        Vocab = 60, SeqLen = 8, DModel = 16, Heads = 2, Layers = 2, Experts = 4, TopK = 2, ExpertHidden = 16, Classes = 4,
    };

    private static readonly int[][] ClientClasses = [[0, 1], [1, 2], [2, 3], [3, 0]];

    public static StrategyOptions Options { get; } = new()
    {
        Tau = 0.05,
        Local = new LocalSettings(Steps: 4, BatchSize: 8, LearningRate: 1e-2),
        Tiers = [new("t2", 2, 1), new("t4", 4, 1), new("t6", 6, 2), new("t8", 8, 2)],
    };

    public static IFederatedStrategy Strategy() => StrategyFactory.Create(StrategyFactory.HFedMoE, Options);

    public static GlobalModel Initial() => GlobalModel.FromStore(ParameterStore.Initial(Config, seed: 3));

    public static ClientProfile Profile(int c) => new($"c{c}", 40, Tier: $"t{2 * (c % 4 + 1)}");

    public static Dataset Data(int c) => Task((ulong)(100 + c), 40, ClientClasses[c % 4]);

    public static Dataset Test() => Task(999, 200);

    /// <summary>What client <paramref name="c"/> replies to its plan (deterministic for the plan and model).</summary>
    public static SparseUpdate Train(int c, TrainPlan plan, GlobalModel global)
    {
        using var trainer = new LocalTrainer(Config);
        return trainer.Train(plan, global, Data(c));
    }

    public static Dataset Task(ulong seed, int count, int[]? classes = null)
    {
        var rng = new DeterministicRandom(seed);
        var samples = new List<Sample>(count);
        for (int i = 0; i < count; i++)
        {
            int label = classes is null ? rng.NextInt(4) : classes[rng.NextInt(classes.Length)];
            var tokens = new int[Config.SeqLen];
            for (int t = 0; t < tokens.Length; t++)
            {
                tokens[t] = rng.NextDouble() < 0.5 ? 10 * label + 1 + rng.NextInt(10) : 41 + rng.NextInt(19);
            }
            samples.Add(new Sample(tokens, label, label, 0, false, 0));
        }
        return new Dataset(samples);
    }

    public static double Accuracy(GlobalModel global, Dataset test)
    {
        using var model = new TorchMoETransformer(Config, seed: 0);
        model.LoadFrom(global);
        var predictions = new int[test.Count];
        int correct = 0;
        foreach (var batch in test.InOrder(test.Count))
        {
            model.Predict(batch.Tokens, batch.Size, batch.Length, predictions, batch.Lengths);
            for (int i = 0; i < batch.Size; i++)
            {
                correct += predictions[i] == batch.Labels[i] ? 1 : 0;
            }
        }
        return (double)correct / test.Count;
    }

    /// <summary>A copy of <paramref name="update"/> with one value of its first tensor set to NaN.</summary>
    public static SparseUpdate WithNaN(SparseUpdate update)
    {
        var tensors = update.Tensors.ToList();
        var values = tensors[0].Values.ToArray();
        values[0] = float.NaN;
        tensors[0] = tensors[0] with { Values = values };
        return update with { Tensors = tensors };
    }
}
