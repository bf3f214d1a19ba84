using HFedMoE.Model.Checkpoints;
using HFedMoE.Model.HuggingFace;
using HFedMoE.Model.Nn.MoeLm;
using HFedMoE.Model.Optim;
using HFedMoE.Model.Tensors;
using HFedMoE.Model.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace HFedMoE.Model.Tests.Torch;

/// <summary>
/// Training on TorchSharp with every source of randomness in play (libtorch's generator samples
/// batches and token dropout, our generator picks the experts to train) plus AdamW, clipping and
/// warm-up + cosine: the same seed gives the same bits, and a run stopped after k steps and
/// restored into fresh objects from its checkpoint and resume state ends in the bits of the
/// uninterrupted run. Both sides are computed here, in one run, for one thread count.
/// </summary>
[Collection(LibTorchThreadsCollection.Name)]
public sealed class TrainingResumeTests
{
    private const int Steps = 8;
    private static readonly HfConfig Config = TinyHfCheckpoint.Config(HfArchitecture.Mixtral, layers: 2, experts: 4, vocab: 64, hidden: 32, expertHidden: 16);
    private static readonly WarmupCosineSchedule Schedule = new(PeakLearningRate: 1e-2f, WarmupSteps: 2, TotalSteps: Steps, MinLearningRate: 1e-3f);

    public TrainingResumeTests() => TorchNative.EnsureLoaded();

    [Fact]
    public void The_same_seed_gives_the_same_bits_and_another_seed_does_not()
    {
        using var a = new Run(seed: 5);
        using var b = new Run(seed: 5);
        using var c = new Run(seed: 6);
        a.Train(0, Steps);
        b.Train(0, Steps);
        c.Train(0, Steps);
        Assert.Equal(a.Bits(), b.Bits());
        Assert.NotEqual(a.Bits(), c.Bits());
        Assert.Equal(a.Losses, b.Losses);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void Stopped_after_k_steps_and_restored_into_fresh_objects_it_ends_bit_identical(int k)
    {
        using var whole = new Run(seed: 5);
        whole.Train(0, Steps);

        byte[] weights, resume;
        using (var first = new Run(seed: 5))
        {
            first.Train(0, k);
            weights = SafeTensorsWriter.Serialize(TorchModuleCheckpoint.ToTensors(first.Model));
            resume = TrainingResumeState.Capture(k, first.Adam, first.Generator, first.Random).ToBytes();
        }
        // Fresh objects seeded differently: everything that matters must come from the saved bytes.
        using var resumed = new Run(seed: 99);
        TorchModuleCheckpoint.CopyInto(SafeTensorsReader.Parse(weights), resumed.Model);
        long step = TrainingResumeState.FromBytes(resume).RestoreInto(resumed.Adam, resumed.Generator, resumed.Random);
        Assert.Equal(k, step);
        resumed.Train(k, Steps);

        Assert.Equal(whole.Bits(), resumed.Bits());
        Assert.Equal(whole.Losses.Skip(k), resumed.Losses);
    }

    [Fact]
    public void Weights_alone_are_not_enough_each_part_of_the_resume_state_matters()
    {
        const int k = 3;
        using var whole = new Run(seed: 5);
        whole.Train(0, Steps);
        using var first = new Run(seed: 5);
        first.Train(0, k);
        byte[] weights = SafeTensorsWriter.Serialize(TorchModuleCheckpoint.ToTensors(first.Model));
        var state = TrainingResumeState.Capture(k, first.Adam, first.Generator, first.Random);
        var fresh = new Run(seed: 5);
        var parts = new[]
        {
            new TrainingResumeState(k, fresh.Adam.SaveState(), state.TorchGenerator, state.Random),
            new TrainingResumeState(k, state.Optimizer, TrainingResumeState.Capture(0, fresh.Adam, fresh.Generator, fresh.Random).TorchGenerator, state.Random),
            new TrainingResumeState(k, state.Optimizer, state.TorchGenerator, fresh.Random.SaveState()),
        };
        fresh.Dispose();
        foreach (var partial in parts)
        {
            using var resumed = new Run(seed: 5);
            TorchModuleCheckpoint.CopyInto(SafeTensorsReader.Parse(weights), resumed.Model);
            partial.RestoreInto(resumed.Adam, resumed.Generator, resumed.Random);
            resumed.Train(k, Steps);
            Assert.NotEqual(whole.Bits(), resumed.Bits());
        }
    }

    [Fact]
    public void A_damaged_resume_state_is_refused_and_restores_nothing()
    {
        using var run = new Run(seed: 5);
        run.Train(0, 2);
        byte[] bytes = TrainingResumeState.Capture(2, run.Adam, run.Generator, run.Random).ToBytes();
        Assert.Throws<InvalidDataException>(() => TrainingResumeState.FromBytes(bytes[..^3]));
        Assert.Throws<InvalidDataException>(() => TrainingResumeState.FromBytes([.. bytes, 0]));
        Assert.Contains("expected hfedmoe.training-resume/1", Assert.Throws<InvalidDataException>(() => TrainingResumeState.FromBytes([5, .. "not-a-state"u8.ToArray()])).Message, StringComparison.Ordinal);

        var good = TrainingResumeState.FromBytes(bytes);
        var badGenerator = new TrainingResumeState(2, good.Optimizer, [1, 2, 3], good.Random);
        using var target = new Run(seed: 7);
        byte[] adamBefore = target.Adam.SaveState();
        byte[] randomBefore = target.Random.SaveState();
        Assert.Contains("this cpu generator's state is 5056 bytes", Assert.Throws<InvalidDataException>(() => badGenerator.RestoreInto(target.Adam, target.Generator, target.Random)).Message, StringComparison.Ordinal);
        // The right length but not a state libtorch accepts (libtorch would abort the process on it).
        byte[] unseeded = (byte[])good.TorchGenerator.Clone();
        unseeded.AsSpan(8, 8).Clear();
        var invalid = new TrainingResumeState(2, good.Optimizer, unseeded, good.Random);
        Assert.Contains("not a valid mt19937 state", Assert.Throws<InvalidDataException>(() => invalid.RestoreInto(target.Adam, target.Generator, target.Random)).Message, StringComparison.Ordinal);
        using var other = new MaskedAdamW(beta1: 0.5);
        Assert.Throws<InvalidDataException>(() => good.RestoreInto(other, target.Generator, target.Random));
        Assert.Equal(adamBefore, target.Adam.SaveState());
        Assert.Equal(randomBefore, target.Random.SaveState());
    }

    /// <summary>One training run: model, optimiser and both generators, all from one seed.</summary>
    private sealed class Run : IDisposable
    {
        private static readonly long[][] Data = [.. Enumerable.Range(0, 12).Select(i => Enumerable.Range(0, 10).Select(j => (long)((i * 13 + j * j * 7) % 64)).ToArray())];

        public Run(ulong seed)
        {
            var weights = TinyHfCheckpoint.RandomWeights(Config, seed);
            Model = new MoeCausalLm(Config);
            Model.LoadWeights(name => weights[name]);
            Adam = new MaskedAdamW(weightDecay: 0.01);
            Generator = new torch.Generator(seed);
            Random = new DeterministicRandom(seed * 31 + 1);
        }

        public MoeCausalLm Model { get; }

        public MaskedAdamW Adam { get; }

        public torch.Generator Generator { get; }

        public DeterministicRandom Random { get; }

        public List<float> Losses { get; } = [];

        public void Train(int from, int to)
        {
            var parameters = Model.named_parameters().ToList();
            for (int step = from; step < to; step++)
            {
                using var scope = NewDisposeScope();
                // libtorch's generator: which sequences, and which tokens are dropped to id 0.
                var rows = randint(0, Data.Length, [4], generator: Generator).data<long>().ToArray();
                var ids = tensor(rows.SelectMany(r => Data[r]).ToArray(), [4, Data[0].Length]);
                var dropped = rand([4, Data[0].Length], generator: Generator).lt(0.15);
                var inputs = ids.masked_fill(dropped, 0);
                // Ours: two of the four experts per layer train this step.
                var trained = Enumerable.Range(0, Config.Layers)
                    .SelectMany(l => Enumerable.Range(0, Config.Experts).OrderBy(_ => Random.NextUInt64()).Take(2).Select(e => $"model.layers.{l}.block_sparse_moe.experts.{e}."))
                    .ToList();
                Model.zero_grad();
                var loss = CausalLmLoss.Compute(Model.Forward(inputs).Logits, ids);
                loss.backward();
                var active = parameters.Where(p => !p.name.Contains(".experts.", StringComparison.Ordinal) || trained.Any(t => p.name.StartsWith(t, StringComparison.Ordinal))).ToList();
                GradientClipping.ClipGlobalNorm(active.Select(p => p.parameter), 0.5);
                Adam.Step(Schedule.At(step), active);
                Losses.Add(loss.item<float>());
            }
        }

        public int[] Bits() =>
            [.. TorchModuleCheckpoint.ToTensors(Model).SelectMany(t => t.Data).Select(BitConverter.SingleToInt32Bits)];

        public void Dispose()
        {
            Adam.Dispose();
            Generator.Dispose();
            Model.Dispose();
        }
    }
}
