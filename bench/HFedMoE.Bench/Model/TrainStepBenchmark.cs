using System.Diagnostics;
using System.Globalization;
using HFedMoE.Model.Nn;
using HFedMoE.Model.Optim;
using HFedMoE.Model.Tensors;

namespace HFedMoE.Bench.Model;

/// <summary>
/// Median time of one training step (forward, backward, AdamW) of the reference MoE transformer,
/// with no experts frozen and with half of each layer's routed experts frozen, interleaved; the
/// step's useful FLOP/s against our GEMM's FLOP/s at the expert shape in the same run; memory;
/// and, when PyTorch is installed, the same model in PyTorch (bench/pytorch/train_step.py).
/// </summary>
internal sealed class TrainStepBenchmark : IBenchmarkSuite
{
    private const int Batch = 32;
    private const int SeqLen = 64;
    private const float LearningRate = 1e-3f;

    public string Name => "trainstep";

    public string Description => "MoE transformer training step: time, FLOP/s vs GEMM, frozen-expert saving, memory, vs PyTorch; --quick";

    /// <summary>The reference configuration the project's targets are stated for.</summary>
    internal static ModelConfig ReferenceConfig { get; } = new()
    {
        Vocab = 512,
        SeqLen = SeqLen,
        DModel = 128,
        Heads = 4,
        Layers = 4,
        Experts = 8,
        TopK = 2,
        ExpertHidden = 512,
        Classes = 8,
        UseAttention = true,
    };

    public int Run(string[] args)
    {
        bool quick = args.Contains("--quick");
        int rounds = quick ? 5 : 15;
        var config = ReferenceConfig;
        var rng = new DeterministicRandom(17);
        var tokens = new int[Batch * SeqLen];
        var labels = new int[Batch];
        for (int i = 0; i < tokens.Length; i++)
        {
            tokens[i] = rng.NextInt(config.Vocab);
        }
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = rng.NextInt(config.Classes);
        }

        var model = new MoETransformer(config, seed: 1);
        var optimizer = new AdamW(model.Parameters);
        float firstLoss = model.ForwardBackward(tokens, Batch, SeqLen, labels);
        optimizer.Step(LearningRate);

        // Freeze the first half of the experts each layer actually routed to in this batch.
        var frozen = new ExpertMask(config.Layers, config.Experts);
        var routed = model.RoutedExperts;
        for (int l = 0; l < config.Layers; l++)
        {
            int toFreeze = routed.CountInLayer(l) / 2;
            for (int e = 0; e < config.Experts && toFreeze > 0; e++)
            {
                if (routed[l, e])
                {
                    frozen[l, e] = true;
                    toFreeze--;
                }
            }
        }

        TrainingStepStats fullStats = default, frozenStats = default;
        float lastLoss = firstLoss;
        void StepAll()
        {
            lastLoss = model.ForwardBackward(tokens, Batch, SeqLen, labels);
            optimizer.Step(LearningRate);
            fullStats = model.LastStep;
        }
        void StepHalfFrozen()
        {
            model.ForwardBackward(tokens, Batch, SeqLen, labels, frozen);
            optimizer.Step(LearningRate, frozen);
            frozenStats = model.LastStep;
        }

        // Our GEMM at the expert forward shape (x·W1), for "how close to GEMM speed is a step".
        var a = new float[512 * 128];
        var w = new float[128 * 512];
        var h = new float[512 * 512];
        rng.FillUniform(a, -1f, 1f);
        rng.FillUniform(w, -1f, 1f);
        void ExpertGemm() => Gemm.Multiply(false, false, 512, 512, 128, 1f, a, 128, w, 512, 0f, h, 512);

        for (int i = 0; i < 2; i++)
        {
            StepAll();
            StepHalfFrozen();
        }
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        const int allocationProbeSteps = 3;
        for (int i = 0; i < allocationProbeSteps; i++)
        {
            StepAll();
        }
        long allocatedPerStep = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / allocationProbeSteps;

        var seconds = InterleavedTimer.MedianSecondsPerCall([StepAll, StepHalfFrozen, ExpertGemm], rounds, secondsPerSample: 0.05);
        double stepSeconds = seconds[0], frozenSeconds = seconds[1], gemmSeconds = seconds[2];
        long stepFlops = fullStats.ForwardFlops + fullStats.BackwardFlops;
        long frozenFlops = frozenStats.ForwardFlops + frozenStats.BackwardFlops;
        double gemmFlops = 2.0 * 512 * 512 * 128 / gemmSeconds;
        using var process = Process.GetCurrentProcess();
        // Process CPU time per step: on a loaded machine it excludes time spent descheduled, so
        // it compares with PyTorch's process_time more stably than wall time does.
        var cpu = new double[rounds];
        for (int i = 0; i < rounds; i++)
        {
            var before = process.TotalProcessorTime;
            StepAll();
            process.Refresh();
            cpu[i] = (process.TotalProcessorTime - before).TotalSeconds;
        }
        double stepCpuSeconds = InterleavedTimer.Median(cpu);
        var gc = GC.GetGCMemoryInfo();

        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"trainstep: vocab {config.Vocab}, seq {SeqLen}, d {config.DModel}, {config.Heads} heads, {config.Layers} layers, {config.Experts} experts top-{config.TopK}, hidden {config.ExpertHidden}, batch {Batch}, {config.Classes} classes, AdamW; {Environment.ProcessorCount} cores, {rounds} interleaved rounds; medians."));
        Console.WriteLine(string.Create(inv, $"loss {firstLoss:F4} → {lastLoss:F4} after {2 + 2 + allocationProbeSteps + 1 + rounds} full steps (same batch)"));
        Console.WriteLine(string.Create(inv, $"step, none frozen      : {stepSeconds * 1e3,8:F2} ms   {stepFlops / 1e9,6:F2} GFLOP → {stepFlops / stepSeconds / 1e9,6:F1} GFLOP/s useful; {stepCpuSeconds * 1e3:F2} ms process CPU"));
        Console.WriteLine(string.Create(inv, $"step, half frozen ({frozen.Count,2}) : {frozenSeconds * 1e3,8:F2} ms   {frozenFlops / 1e9,6:F2} GFLOP; time ratio frozen/none = {frozenSeconds / stepSeconds:F2} (target ≤ 0.60)"));
        Console.WriteLine(string.Create(inv, $"GEMM 512×512×128 same run: {gemmFlops / 1e9:F1} GFLOP/s; step useful FLOP/s / GEMM FLOP/s = {stepFlops / stepSeconds / gemmFlops:F2}"));
        Console.WriteLine(string.Create(inv, $"memory: managed heap {gc.HeapSizeBytes / 1048576.0:F1} MiB, peak working set {process.PeakWorkingSet64 / 1048576.0:F1} MiB, allocated per step {allocatedPerStep} bytes"));

        RunPyTorch(stepSeconds, stepCpuSeconds, quick);
        return 0;
    }

    private static void RunPyTorch(double ourStepSeconds, double ourCpuSeconds, bool quick)
    {
        var torch = PyTorchTrainStep.Run(Environment.ProcessorCount, quick ? 5 : 15);
        if (torch.Line is null)
        {
            Console.WriteLine($"PyTorch: {torch.Problem}: ratio not measured");
            return;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"PyTorch ({torch.Line}): ours/PyTorch step time = {ourStepSeconds * 1e3 / torch.WallMs:F2} wall, {ourCpuSeconds * 1e3 / torch.CpuMs:F2} process CPU (target ≤ 0.70)"));
    }
}
