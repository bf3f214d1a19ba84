using System.Globalization;
using HFedMoE.Model.Nn;
using HFedMoE.Model.Nn.TorchMoE;
using HFedMoE.Model.Optim;
using HFedMoE.Model.Tensors;
using HFedMoE.Model.Torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace HFedMoE.Bench.Model;

/// <summary>
/// One training step (forward, backward, AdamW) of the classifier MoE model on TorchSharp
/// (<see cref="TorchMoETransformer"/> + <see cref="MaskedAdamW"/>) against our former engine
/// (<see cref="MoETransformer"/> + <see cref="AdamW"/>), interleaved in one process on the same
/// threads, at each configuration asked for: the step and its ratio, each part apart (forward,
/// backward, AdamW), and the backward pass alone with 1, 2, 4 and 8 of each layer's experts
/// trained. Then PyTorch (<c>bench/pytorch/train_step.py</c>, the reference configuration) in a
/// child process. On one thread both engines compute on the calling thread, so the suite times
/// that thread's CPU time, which leaves out the time a loaded machine keeps it descheduled; on
/// more it times wall and whole-process CPU time.
/// </summary>
internal sealed class TorchStepBenchmark : IBenchmarkSuite
{
    private const int Batch = 32;
    private const float LearningRate = 1e-3f;
    private static readonly int[] TrainedCounts = [1, 2, 4, 8];

    private int _rounds;
    private bool _threadCpu;

    public string Name => "torchstep";

    public string Description => "training step on TorchSharp vs our former engine (tiny = simulate's default, reference = bench/pytorch's, large), its parts, backward at 1/2/4/8 trained experts, PyTorch; --quick, --threads N, --config tiny,reference,large, --no-pytorch";

    public int Run(string[] args)
    {
        int threads = Environment.ProcessorCount;
        int at = Array.IndexOf(args, "--threads");
        if (at >= 0 && (at + 1 >= args.Length || !int.TryParse(args[at + 1], CultureInfo.InvariantCulture, out threads) || threads < 1))
        {
            Console.Error.WriteLine("torchstep: --threads needs a count ≥ 1");
            return 2;
        }
        string[] names = ["tiny", "reference"];
        at = Array.IndexOf(args, "--config");
        if (at >= 0)
        {
            names = at + 1 < args.Length ? args[at + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
            var unknown = names.Where(n => Configuration(n) is null).ToList();
            if (names.Length == 0 || unknown.Count > 0)
            {
                Console.Error.WriteLine($"torchstep: --config takes a comma-separated list of tiny, reference, large; got '{(at + 1 < args.Length ? args[at + 1] : "")}'");
                return 2;
            }
        }
        bool quick = args.Contains("--quick");
        _rounds = quick ? 5 : 11;
        _threadCpu = threads == 1 && OperatingSystem.IsLinux();
        var device = TorchDevice.Open(TorchSettings.Parse("cpu", threads));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"torchstep: {threads} threads (our GEMM; libtorch {device.Threads}) on {Environment.ProcessorCount} cores, batch {Batch}, {_rounds} interleaved rounds, medians of {(_threadCpu ? "the calling thread's CPU time" : "wall time (process CPU time beside)")}"));

        double referenceTorchMs = 0, referenceEngineMs = 0;
        foreach (string name in names)
        {
            var (config, seqLen) = Configuration(name)!.Value;
            using var workload = new Workload(config, seqLen, threads, device);
            var (engineMs, torchMs) = Measure(name, workload);
            if (name == "reference")
            {
                (referenceEngineMs, referenceTorchMs) = (engineMs, torchMs);
            }
        }

        if (referenceTorchMs == 0 || args.Contains("--no-pytorch"))
        {
            return 0;
        }
        var python = PyTorchTrainStep.Run(threads, quick ? 3 : 8);
        if (python.Line is null)
        {
            Console.WriteLine($"PyTorch: {python.Problem}: ratio not measured");
            return 0;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"PyTorch, reference ({python.Line}): TorchSharp/PyTorch = {referenceTorchMs / python.WallMs:F2}, engine/PyTorch = {referenceEngineMs / python.WallMs:F2} (PyTorch's wall time, measured after, in a child process)"));
        return 0;
    }

    /// <summary>The step at simulate's default size, where per-op overhead weighs most; bench/pytorch's; 4× its width, where GEMMs dominate.</summary>
    private static (ModelConfig Config, int SeqLen)? Configuration(string name) => name switch
    {
        "tiny" => (new ModelConfig(), 32),
        "reference" => (TrainStepBenchmark.ReferenceConfig, TrainStepBenchmark.ReferenceConfig.SeqLen),
        "large" => (TrainStepBenchmark.ReferenceConfig with { DModel = 256, ExpertHidden = 1024 }, TrainStepBenchmark.ReferenceConfig.SeqLen),
        _ => null,
    };

    private (double EngineMs, double TorchMs) Measure(string name, Workload w)
    {
        var inv = CultureInfo.InvariantCulture;
        var c = w.Config;
        Console.WriteLine(string.Create(inv,
            $"{name}: vocab {c.Vocab}, seq {w.SeqLen}, d {c.DModel}, {(c.UseAttention ? $"{c.Heads} heads" : "no attention")}, {c.Layers} layers × {c.Experts} experts top-{c.TopK}, hidden {c.ExpertHidden}, {c.Classes} classes"));
        float engineFirst = w.EngineForward(), torchFirst = w.TorchForward();

        var (step, stepCpu) = Time([w.EngineStep, w.TorchStep], 0.3);
        Console.WriteLine(string.Create(inv,
            $"  step      engine {step[0] * 1e3,8:F2} ms   TorchSharp {step[1] * 1e3,8:F2} ms   TorchSharp/engine {step[1] / step[0],5:F2} (target ≤ 1.00){CpuText(stepCpu, 0, 1)}"));

        var (forward, _) = Time([() => w.EngineForward(), () => w.TorchForward()], 0.2);
        // Backward repeats on the pass of the last forward (its graph is kept); AdamW changes the
        // weights that graph saved, so it is timed after, on the gradients left behind.
        w.EngineForward();
        w.TorchForward();
        var (backward, _) = Time([() => w.Engine.Backward(), () => w.Torch.Backward()], 0.2);
        var (adam, _) = Time([w.EngineAdamStep, w.TorchAdamStep], 0.1);
        Console.WriteLine(string.Create(inv, $"  forward   engine {forward[0] * 1e3,8:F2} ms   TorchSharp {forward[1] * 1e3,8:F2} ms   ratio {forward[1] / forward[0],5:F2}"));
        Console.WriteLine(string.Create(inv, $"  backward  engine {backward[0] * 1e3,8:F2} ms   TorchSharp {backward[1] * 1e3,8:F2} ms   ratio {backward[1] / backward[0],5:F2}"));
        Console.WriteLine(string.Create(inv, $"  AdamW     engine {adam[0] * 1e3,8:F2} ms   TorchSharp {adam[1] * 1e3,8:F2} ms   ratio {adam[1] / adam[0],5:F2}"));

        // Backward alone with k of each layer's experts trained (the first k of those routed; the rest frozen).
        w.EngineForward();
        w.TorchForward();
        var engineMasks = TrainedCounts.Select(k => FreezeAllBut(w.Engine.RoutedExperts, c, k)).ToList();
        var torchMasks = TrainedCounts.Select(k => FreezeAllBut(w.Torch.RoutedExperts, c, k)).ToList();
        var subjects = new List<Action>();
        foreach (var (e, t) in engineMasks.Zip(torchMasks))
        {
            subjects.Add(() => w.Engine.Backward(e));
            subjects.Add(() => w.Torch.Backward(t));
        }
        var (byTrained, byTrainedCpu) = Time(subjects, 0.2);
        Console.WriteLine($"  backward alone, k of {c.Experts} experts trained per layer (the others frozen):");
        for (int i = 0; i < TrainedCounts.Length; i++)
        {
            double e = byTrained[2 * i], t = byTrained[2 * i + 1];
            Console.WriteLine(string.Create(inv,
                $"    k={TrainedCounts[i]}  engine {e * 1e3,8:F2} ms ({e / byTrained[^2]:F2} of k=8)   TorchSharp {t * 1e3,8:F2} ms ({t / byTrained[^1]:F2} of k=8)   TorchSharp/engine {t / e:F2}{CpuText(byTrainedCpu, 2 * i, 2 * i + 1)}"));
        }
        Console.WriteLine(string.Create(inv,
            $"  loss before: engine {engineFirst:F4}, TorchSharp {torchFirst:F4} (same seed, same weights); after the timed steps: {w.EngineForward():F4}, {w.TorchForward():F4}"));
        return (step[0] * 1e3, step[1] * 1e3);
    }

    private (double[] Primary, double[]? ProcessCpu) Time(IReadOnlyList<Action> subjects, double secondsPerSample) =>
        _threadCpu
            ? (InterleavedTimer.MedianSecondsPerCall(subjects, _rounds, secondsPerSample, threadCpuTime: true), null)
            : InterleavedTimer.MedianWallAndCpuSecondsPerCall(subjects, _rounds, secondsPerSample);

    private static string CpuText(double[]? cpu, int engine, int torch) => cpu is null ? "" : string.Create(CultureInfo.InvariantCulture,
        $"   | process CPU: engine {cpu[engine] * 1e3,8:F2} ms   TorchSharp {cpu[torch] * 1e3,8:F2} ms   ratio {cpu[torch] / cpu[engine]:F2}");

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

    /// <summary>Both engines from the same seeded weights, and one fixed batch.</summary>
    private sealed class Workload : IDisposable
    {
        private readonly int[] _tokens;
        private readonly int[] _labels;
        private readonly AdamW _engineAdam;
        private readonly MaskedAdamW _torchAdam = new();
        private readonly List<(string Name, Parameter Parameter)> _parameters;

        public Workload(ModelConfig config, int seqLen, int threads, TorchDevice device)
        {
            Config = config;
            SeqLen = seqLen;
            var rng = new DeterministicRandom(17);
            _tokens = new int[Batch * seqLen];
            _labels = new int[Batch];
            for (int i = 0; i < _tokens.Length; i++)
            {
                _tokens[i] = rng.NextInt(config.Vocab);
            }
            for (int i = 0; i < _labels.Length; i++)
            {
                _labels[i] = rng.NextInt(config.Classes);
            }
            var gemm = new GemmOptions { MaxThreads = threads };
            Engine = new MoETransformer(config, seed: 1, gemm);
            _engineAdam = new AdamW(Engine.Parameters, threading: gemm);
            Torch = new TorchMoETransformer(config, seed: 1, device: device.Device);
            _parameters = [.. Torch.ParametersByName.Select(kv => (kv.Key, kv.Value))];
        }

        public ModelConfig Config { get; }

        public int SeqLen { get; }

        public MoETransformer Engine { get; }

        public TorchMoETransformer Torch { get; }

        public float EngineForward() => Engine.Loss(_tokens, Batch, SeqLen, _labels);

        public float TorchForward()
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            return Torch.Loss(_tokens, Batch, SeqLen, _labels);
        }

        public void EngineStep()
        {
            Engine.ForwardBackward(_tokens, Batch, SeqLen, _labels);
            _engineAdam.Step(LearningRate);
        }

        public void TorchStep()
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            Torch.ForwardBackward(_tokens, Batch, SeqLen, _labels);
            _torchAdam.Step(LearningRate, _parameters);
        }

        public void EngineAdamStep() => _engineAdam.Step(LearningRate);

        public void TorchAdamStep() => _torchAdam.Step(LearningRate, _parameters);

        public void Dispose()
        {
            _torchAdam.Dispose();
            Torch.Dispose();
        }
    }
}
