using System.Globalization;
using HFedMoE.Model.Nn;
using HFedMoE.Model.Nn.TorchMoE;
using HFedMoE.Model.Optim;
using HFedMoE.Model.Tensors;
using HFedMoE.Model.Torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace HFedMoE.Bench.Model;

/// <summary>
/// One training step (forward, backward, AdamW) of the reference configuration on TorchSharp
/// (<see cref="TorchMoETransformer"/> + <see cref="MaskedAdamW"/>) against our former engine
/// (<see cref="MoETransformer"/> + <see cref="AdamW"/>), interleaved in one process on the same
/// threads, then PyTorch (<c>bench/pytorch/train_step.py</c>) as a child process; the ratios;
/// where TorchSharp's step goes (forward, backward, AdamW); and the backward pass alone with
/// 1, 2, 4 and 8 of each layer's 8 experts trained, on both engines; then the step at simulate's
/// default (tiny) configuration.
/// </summary>
internal sealed class TorchTrainStepBenchmark : IBenchmarkSuite
{
    private const int Batch = 32;
    private const float LearningRate = 1e-3f;

    public string Name => "torch-trainstep";

    public string Description => "training step on TorchSharp vs our former engine (reference and tiny) vs PyTorch, ratios; backward at 1/2/4/8 trained experts; --quick, --threads N, --large, --no-pytorch";

    public int Run(string[] args)
    {
        bool quick = args.Contains("--quick");
        bool large = args.Contains("--large");
        int threads = Environment.ProcessorCount;
        int at = Array.IndexOf(args, "--threads");
        if (at >= 0 && (at + 1 >= args.Length || !int.TryParse(args[at + 1], CultureInfo.InvariantCulture, out threads) || threads < 1))
        {
            Console.Error.WriteLine("torch-trainstep: --threads needs a count ≥ 1");
            return 2;
        }
        int rounds = quick ? 5 : 11;
        // --large: the 4× configuration of ../shared/research/dependencies-now.md (d 256, expert hidden 1,024),
        // where GEMMs, not per-op overhead, dominate.
        var config = large
            ? TrainStepBenchmark.ReferenceConfig with { DModel = 256, ExpertHidden = 1024 }
            : TrainStepBenchmark.ReferenceConfig;
        int seqLen = config.SeqLen;
        var rng = new DeterministicRandom(17);
        var tokens = new int[Batch * seqLen];
        var labels = new int[Batch];
        for (int i = 0; i < tokens.Length; i++)
        {
            tokens[i] = rng.NextInt(config.Vocab);
        }
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = rng.NextInt(config.Classes);
        }

        var device = TorchDevice.Open(TorchSettings.Parse("cpu", threads));
        var engine = new MoETransformer(config, seed: 1, new GemmOptions { MaxThreads = threads });
        var engineAdam = new AdamW(engine.Parameters, threading: new GemmOptions { MaxThreads = threads });
        using var torchModel = new TorchMoETransformer(config, seed: 1, device: device.Device);
        using var torchAdam = new MaskedAdamW();
        List<(string Name, Parameter Parameter)> parameters = [.. torchModel.ParametersByName.Select(kv => (kv.Key, kv.Value))];

        float engineLoss = 0, torchLoss = 0;
        void EngineStep()
        {
            engineLoss = engine.ForwardBackward(tokens, Batch, seqLen, labels);
            engineAdam.Step(LearningRate);
        }
        void TorchStep()
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            torchLoss = torchModel.ForwardBackward(tokens, Batch, seqLen, labels);
            torchAdam.Step(LearningRate, parameters);
        }
        float engineFirst = engine.Loss(tokens, Batch, seqLen, labels);
        float torchFirst = torchModel.Loss(tokens, Batch, seqLen, labels);

        var (steps, stepsCpu) = InterleavedTimer.MedianWallAndCpuSecondsPerCall([EngineStep, TorchStep], rounds, secondsPerSample: 0.3);
        double engineMs = steps[0] * 1e3, torchMs = steps[1] * 1e3;

        // Where TorchSharp's step goes: forward (Loss keeps the graph), backward of that pass, AdamW.
        void TorchForward() => torchModel.Loss(tokens, Batch, seqLen, labels);
        void TorchBackward() => torchModel.Backward();
        void TorchAdam() => torchAdam.Step(LearningRate, parameters);
        void EngineForward() => engine.Loss(tokens, Batch, seqLen, labels);
        void EngineBackward() => engine.Backward();
        void EngineAdam() => engineAdam.Step(LearningRate);
        var forward = InterleavedTimer.MedianSecondsPerCall([TorchForward, EngineForward], rounds, secondsPerSample: 0.2);
        // Backward repeats on the pass of the last Loss (its graph is kept); AdamW changes the
        // weights that graph saved, so it is timed after, on the gradients left behind.
        TorchForward();
        EngineForward();
        var backward = InterleavedTimer.MedianSecondsPerCall([TorchBackward, EngineBackward], rounds, secondsPerSample: 0.2);
        var adam = InterleavedTimer.MedianSecondsPerCall([TorchAdam, EngineAdam], rounds, secondsPerSample: 0.1);

        // Backward alone with k of each layer's experts trained (the first k of those routed; the rest frozen).
        TorchForward();
        EngineForward();
        var routedTorch = Clone(torchModel.RoutedExperts, config);
        var routedEngine = Clone(engine.RoutedExperts, config);
        int[] trainedCounts = [1, 2, 4, 8];
        var subjects = new List<Action>();
        var torchMasks = trainedCounts.Select(k => FreezeAllBut(routedTorch, config, k)).ToList();
        var engineMasks = trainedCounts.Select(k => FreezeAllBut(routedEngine, config, k)).ToList();
        foreach (var (t, e) in torchMasks.Zip(engineMasks))
        {
            subjects.Add(() => torchModel.Backward(t));
            subjects.Add(() => engine.Backward(e));
        }
        var (byTrained, byTrainedCpu) = InterleavedTimer.MedianWallAndCpuSecondsPerCall(subjects, rounds, secondsPerSample: 0.2);

        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"torch-trainstep: vocab {config.Vocab}, seq {seqLen}, d {config.DModel}, {config.Heads} heads, {config.Layers} layers, {config.Experts} experts top-{config.TopK}, hidden {config.ExpertHidden}, batch {Batch}, {config.Classes} classes, AdamW; {threads} threads (libtorch {device.Threads}) on {Environment.ProcessorCount} cores; {rounds} interleaved rounds, medians."));
        Console.WriteLine(string.Create(inv, $"loss before training: engine {engineFirst:F4}, TorchSharp {torchFirst:F4} (same seed, same weights); after the timed steps: {engineLoss:F4}, {torchLoss:F4}"));
        Console.WriteLine(string.Create(inv, $"step  engine {engineMs,8:F2} ms   TorchSharp {torchMs,8:F2} ms   TorchSharp/engine = {torchMs / engineMs:F2} wall (target ≤ 1.00)"));
        Console.WriteLine(string.Create(inv, $"      process CPU per step: engine {stepsCpu[0] * 1e3,8:F2} ms   TorchSharp {stepsCpu[1] * 1e3,8:F2} ms   TorchSharp/engine = {stepsCpu[1] / stepsCpu[0]:F2}"));
        Console.WriteLine(string.Create(inv, $"  forward   engine {forward[1] * 1e3,8:F2} ms   TorchSharp {forward[0] * 1e3,8:F2} ms   ratio {forward[0] / forward[1]:F2}"));
        Console.WriteLine(string.Create(inv, $"  backward  engine {backward[1] * 1e3,8:F2} ms   TorchSharp {backward[0] * 1e3,8:F2} ms   ratio {backward[0] / backward[1]:F2}"));
        Console.WriteLine(string.Create(inv, $"  AdamW     engine {adam[1] * 1e3,8:F2} ms   TorchSharp {adam[0] * 1e3,8:F2} ms   ratio {adam[0] / adam[1]:F2}"));
        Console.WriteLine("backward alone, k of 8 experts trained per layer (others frozen):");
        for (int i = 0; i < trainedCounts.Length; i++)
        {
            double t = byTrained[2 * i] * 1e3, e = byTrained[2 * i + 1] * 1e3;
            double tc = byTrainedCpu[2 * i] * 1e3, ec = byTrainedCpu[2 * i + 1] * 1e3;
            Console.WriteLine(string.Create(inv,
                $"  k={trainedCounts[i]}  engine {e,8:F2} ms ({e / (byTrained[^1] * 1e3):F2} of k=8)   TorchSharp {t,8:F2} ms ({t / (byTrained[^2] * 1e3):F2} of k=8)   TorchSharp/engine {t / e:F2}" +
                $"   | process CPU: engine {ec,8:F2} ms ({ec / (byTrainedCpu[^1] * 1e3):F2})   TorchSharp {tc,8:F2} ms ({tc / (byTrainedCpu[^2] * 1e3):F2})"));
        }

        if (!large)
        {
            var (tinyEngine, tinyTorch) = TinyStep(threads, device, rounds);
            Console.WriteLine(string.Create(inv,
                $"tiny (simulate's default ModelConfig: d 64, 2 layers × 16 experts, hidden 128, no attention; seq 32): step engine {tinyEngine * 1e3:F2} ms, TorchSharp {tinyTorch * 1e3:F2} ms, TorchSharp/engine = {tinyTorch / tinyEngine:F2}"));
        }
        if (large)
        {
            Console.WriteLine("PyTorch: bench/pytorch/train_step.py has the reference shape only; not run with --large");
            return 0;
        }
        if (args.Contains("--no-pytorch"))
        {
            return 0;
        }
        var python = PyTorchTrainStep.Run(threads, quick ? 3 : 8);
        if (python.Line is null)
        {
            Console.WriteLine($"PyTorch: {python.Problem}: ratio not measured");
            return 0;
        }
        Console.WriteLine(string.Create(inv,
            $"PyTorch ({python.Line}): TorchSharp/PyTorch = {torchMs / python.WallMs:F2}, engine/PyTorch = {engineMs / python.WallMs:F2} (wall; PyTorch measured after, in a child process)"));
        return 0;
    }

    /// <summary>The step at the size simulate trains by default, where per-op overhead weighs most.</summary>
    private static (double Engine, double Torch) TinyStep(int threads, TorchDevice device, int rounds)
    {
        var config = new ModelConfig();
        const int seqLen = 32;
        var rng = new DeterministicRandom(17);
        var tokens = new int[Batch * seqLen];
        var labels = new int[Batch];
        for (int i = 0; i < tokens.Length; i++)
        {
            tokens[i] = rng.NextInt(config.Vocab);
        }
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = rng.NextInt(config.Classes);
        }
        var engine = new MoETransformer(config, seed: 1, new GemmOptions { MaxThreads = threads });
        var engineAdam = new AdamW(engine.Parameters, threading: new GemmOptions { MaxThreads = threads });
        using var model = new TorchMoETransformer(config, seed: 1, device: device.Device);
        using var adam = new MaskedAdamW();
        List<(string Name, Parameter Parameter)> parameters = [.. model.ParametersByName.Select(kv => (kv.Key, kv.Value))];
        var seconds = InterleavedTimer.MedianSecondsPerCall(
        [
            () =>
            {
                engine.ForwardBackward(tokens, Batch, seqLen, labels);
                engineAdam.Step(LearningRate);
            },
            () =>
            {
                using var scope = TorchSharp.torch.NewDisposeScope();
                model.ForwardBackward(tokens, Batch, seqLen, labels);
                adam.Step(LearningRate, parameters);
            },
        ], rounds, secondsPerSample: 0.2);
        return (seconds[0], seconds[1]);
    }

    private static ExpertMask Clone(ExpertMask mask, ModelConfig config)
    {
        var copy = new ExpertMask(config.Layers, config.Experts);
        for (int l = 0; l < config.Layers; l++)
        {
            for (int e = 0; e < config.Experts; e++)
            {
                copy[l, e] = mask[l, e];
            }
        }
        return copy;
    }

    /// <summary>Frozen = every expert except the first <paramref name="trained"/> routed ones of each layer.</summary>
    private static ExpertMask FreezeAllBut(ExpertMask routed, ModelConfig config, int trained)
    {
        var frozen = new ExpertMask(config.Layers, config.Experts);
        for (int l = 0; l < config.Layers; l++)
        {
            int kept = 0;
            for (int e = 0; e < config.Experts; e++)
            {
                bool train = routed[l, e] && kept < trained;
                kept += train ? 1 : 0;
                frozen[l, e] = !train;
            }
        }
        return frozen;
    }
}
