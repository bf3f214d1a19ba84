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
/// (<see cref="TorchMoETransformer"/> + <see cref="MaskedAdamW"/>) at each configuration asked
/// for: the step, each part apart (forward, backward, AdamW), and the backward pass alone with 1,
/// 2, 4 and 8 of each layer's experts trained. Then PyTorch (<c>bench/pytorch/train_step.py</c>,
/// the reference configuration) in a child process. Our former CPU engine, which this suite used to
/// interleave, was deleted (December 2026): its step times recorded in bench/README.md are printed
/// beside as constants, with the ratio. On one thread the suite times the calling thread's CPU
/// time, which leaves out the time a loaded machine keeps it descheduled; on more it times wall
/// and whole-process CPU time.
/// </summary>
internal sealed class TorchStepBenchmark : IBenchmarkSuite
{
    private const int Batch = 32;
    private const float LearningRate = 1e-3f;
    private static readonly int[] TrainedCounts = [1, 2, 4, 8];

    /// <summary>
    /// bench/pytorch/train_step.py's model: vocabulary 512, 64 tokens, d 128, 4 heads, 4 layers × 8
    /// experts top-2, expert hidden 512, 8 classes, attention on.
    /// </summary>
    private static readonly ModelConfig ReferenceConfig = new()
    {
        Vocab = 512,
        SeqLen = 64,
        DModel = 128,
        Heads = 4,
        Layers = 4,
        Experts = 8,
        TopK = 2,
        ExpertHidden = 512,
        Classes = 8,
        UseAttention = true,
    };

    private int _rounds;
    private bool _threadCpu;

    public string Name => "torchstep";

    public string Description => "training step on TorchSharp (tiny = simulate's default, reference = bench/pytorch's, large), its parts, backward at 1/2/4/8 trained experts, PyTorch, the deleted former engine's recorded step; --quick, --threads N, --config tiny,reference,large, --no-pytorch";

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
            $"torchstep: libtorch {device.Threads} threads on {Environment.ProcessorCount} cores, batch {Batch}, {_rounds} rounds, medians of {(_threadCpu ? "the calling thread's CPU time" : "wall time (process CPU time beside)")}"));

        double referenceTorchMs = 0;
        foreach (string name in names)
        {
            var (config, seqLen, recorded) = Configuration(name)!.Value;
            using var workload = new Workload(config, seqLen, device);
            double torchMs = Measure(name, workload, recorded);
            if (name == "reference")
            {
                referenceTorchMs = torchMs;
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
            $"PyTorch, reference ({python.Line}): TorchSharp/PyTorch = {referenceTorchMs / python.WallMs:F2} (PyTorch's wall time, measured after, in a child process)"));
        return 0;
    }

    /// <summary>
    /// The step at simulate's default size, where per-op overhead weighs most; bench/pytorch's; 4×
    /// its width, where GEMMs dominate. Each with the former engine's step as bench/README.md
    /// records it (2 threads, wall time): tiny and reference from the idle-machine run of
    /// 2026-12-05 02:41 UTC (main 2dfa7d6), large from 2026-12-04 (load 5–7).
    /// </summary>
    private static (ModelConfig Config, int SeqLen, RecordedStep Recorded)? Configuration(string name) => name switch
    {
        "tiny" => (new ModelConfig(), 32, new RecordedStep(7.19, "2026-12-05")),
        "reference" => (ReferenceConfig, ReferenceConfig.SeqLen, new RecordedStep(156.9, "2026-12-05")),
        "large" => (ReferenceConfig with { DModel = 256, ExpertHidden = 1024 }, ReferenceConfig.SeqLen, new RecordedStep(515, "2026-12-04")),
        _ => null,
    };

    /// <summary>A step time of the deleted former engine, copied from bench/README.md (2 threads, wall).</summary>
    private sealed record RecordedStep(double Milliseconds, string Date);

    private double Measure(string name, Workload w, RecordedStep recorded)
    {
        var inv = CultureInfo.InvariantCulture;
        var c = w.Config;
        Console.WriteLine(string.Create(inv,
            $"{name}: vocab {c.Vocab}, seq {w.SeqLen}, d {c.DModel}, {(c.UseAttention ? $"{c.Heads} heads" : "no attention")}, {c.Layers} layers × {c.Experts} experts top-{c.TopK}, hidden {c.ExpertHidden}, {c.Classes} classes"));
        float first = w.Forward();

        var (step, stepCpu) = Time([w.Step], 0.3);
        Console.WriteLine(string.Create(inv,
            $"  step      TorchSharp {step[0] * 1e3,8:F2} ms{CpuText(stepCpu, 0)}"));
        Console.WriteLine(string.Create(inv,
            $"  step      {recorded.Milliseconds,8:F2} ms recorded, former engine, {recorded.Date} (2 threads, wall; deleted since): TorchSharp/former {step[0] * 1e3 / recorded.Milliseconds,5:F2} (target ≤ 1.00; compare at --threads 2 on a quiet machine)"));

        var (forward, _) = Time([() => w.Forward()], 0.2);
        // Backward repeats on the pass of the last forward (its graph is kept); AdamW changes the
        // weights that graph saved, so it is timed after, on the gradients left behind.
        w.Forward();
        var (backward, _) = Time([() => w.Torch.Backward()], 0.2);
        var (adam, _) = Time([w.AdamStep], 0.1);
        Console.WriteLine(string.Create(inv, $"  forward   TorchSharp {forward[0] * 1e3,8:F2} ms"));
        Console.WriteLine(string.Create(inv, $"  backward  TorchSharp {backward[0] * 1e3,8:F2} ms"));
        Console.WriteLine(string.Create(inv, $"  AdamW     TorchSharp {adam[0] * 1e3,8:F2} ms"));

        // Backward alone with k of each layer's experts trained (the first k of those routed; the rest frozen).
        w.Forward();
        var masks = TrainedCounts.Select(k => FreezeAllBut(w.Torch.RoutedExperts, c, k)).ToList();
        var (byTrained, byTrainedCpu) = Time([.. masks.Select(m => (Action)(() => w.Torch.Backward(m)))], 0.2);
        Console.WriteLine($"  backward alone, k of {c.Experts} experts trained per layer (the others frozen):");
        for (int i = 0; i < TrainedCounts.Length; i++)
        {
            double t = byTrained[i];
            Console.WriteLine(string.Create(inv,
                $"    k={TrainedCounts[i]}  TorchSharp {t * 1e3,8:F2} ms ({t / byTrained[^1]:F2} of k=8){CpuText(byTrainedCpu, i)}"));
        }
        Console.WriteLine(string.Create(inv, $"  loss before {first:F4}, after the timed steps {w.Forward():F4}"));
        return step[0] * 1e3;
    }

    private (double[] Primary, double[]? ProcessCpu) Time(IReadOnlyList<Action> subjects, double secondsPerSample) =>
        _threadCpu
            ? (InterleavedTimer.MedianSecondsPerCall(subjects, _rounds, secondsPerSample, threadCpuTime: true), null)
            : InterleavedTimer.MedianWallAndCpuSecondsPerCall(subjects, _rounds, secondsPerSample);

    private static string CpuText(double[]? cpu, int subject) => cpu is null ? "" : string.Create(CultureInfo.InvariantCulture,
        $"   | process CPU {cpu[subject] * 1e3,8:F2} ms");

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

    /// <summary>The model from seeded weights, and one fixed batch.</summary>
    private sealed class Workload : IDisposable
    {
        private readonly int[] _tokens;
        private readonly int[] _labels;
        private readonly MaskedAdamW _adam = new();
        private readonly List<(string Name, Parameter Parameter)> _parameters;

        public Workload(ModelConfig config, int seqLen, TorchDevice device)
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
            Torch = new TorchMoETransformer(config, seed: 1, device: device.Device);
            _parameters = [.. Torch.ParametersByName.Select(kv => (kv.Key, kv.Value))];
        }

        public ModelConfig Config { get; }

        public int SeqLen { get; }

        public TorchMoETransformer Torch { get; }

        public float Forward()
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            return Torch.Loss(_tokens, Batch, SeqLen, _labels);
        }

        public void Step()
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            Torch.ForwardBackward(_tokens, Batch, SeqLen, _labels);
            _adam.Step(LearningRate, _parameters);
        }

        public void AdamStep() => _adam.Step(LearningRate, _parameters);

        public void Dispose()
        {
            _adam.Dispose();
            Torch.Dispose();
        }
    }
}
