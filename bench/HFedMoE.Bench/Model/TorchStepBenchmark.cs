using System.Diagnostics;
using System.Globalization;
using HFedMoE.Model.Nn;
using HFedMoE.Model.Nn.TorchMoE;
using HFedMoE.Model.Optim;
using HFedMoE.Model.Tensors;
using TorchSharp;

namespace HFedMoE.Bench.Model;

/// <summary>
/// The TorchSharp model against our former engine in one process: one training step (forward,
/// backward, AdamW) at the simulation's default configuration ("tiny") and at the reference
/// configuration, interleaved, with the ratio torch / former; then, at the reference
/// configuration, the backward time with 1, 2, 4 and 8 of each layer's 8 experts trained.
/// </summary>
internal sealed class TorchStepBenchmark : IBenchmarkSuite
{
    private const int Batch = 32;

    public string Name => "torchstep";

    public string Description => "TorchSharp model vs former engine: train step (tiny, reference), backward at 1/2/4/8 trained experts; --quick, --threads N";

    public int Run(string[] args)
    {
        bool quick = args.Contains("--quick");
        int threads = Environment.ProcessorCount;
        int at = Array.IndexOf(args, "--threads");
        if (at >= 0 && at + 1 < args.Length)
        {
            threads = int.Parse(args[at + 1], CultureInfo.InvariantCulture);
        }
        int rounds = quick ? 5 : 11;
        HFedMoE.Model.Torch.TorchNative.EnsureLoaded();
        torch.set_num_threads(threads);
        var gemm = new GemmOptions { MaxThreads = threads };
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"torchstep: {threads} threads (torch.set_num_threads and our GEMM), batch {Batch}, {rounds} interleaved rounds, medians; {Environment.ProcessorCount} cores"));

        var tiny = new ModelConfig();
        Compare("tiny (default ModelConfig: d 64, 2 layers × 16 experts, hidden 128, no attention), seq 32", tiny, 32, gemm, rounds);
        var reference = TrainStepBenchmark.ReferenceConfig;
        Compare("reference (bench/pytorch: d 128, 4 layers × 8 experts, hidden 512, attention), seq 64", reference, 64, gemm, rounds);
        BackwardByTrainedExperts(reference, 64, gemm, rounds);
        return 0;
    }

    private static void Compare(string title, ModelConfig config, int seqLen, GemmOptions gemm, int rounds)
    {
        var (tokens, labels) = Batch32(config, seqLen);
        var former = new MoETransformer(config, seed: 1, gemm);
        var adam = new AdamW(former.Parameters, threading: gemm);
        using var model = new TorchMoETransformer(config, seed: 1);
        using var torchAdam = new MaskedAdamW();
        var all = model.ParametersByName.Select(p => (p.Key, p.Value)).ToArray();
        void FormerStep()
        {
            former.ForwardBackward(tokens, Batch, seqLen, labels);
            adam.Step(1e-3f);
        }
        void TorchStep()
        {
            using var scope = torch.NewDisposeScope();
            model.ForwardBackward(tokens, Batch, seqLen, labels);
            torchAdam.Step(1e-3, all);
        }
        // With one thread both engines compute on the calling thread: its CPU time drops the time
        // spent descheduled on a loaded machine, which is most of the noise.
        bool cpuTime = gemm.MaxThreads == 1;
        var seconds = InterleavedTimer.MedianSecondsPerCall([FormerStep, TorchStep], rounds, secondsPerSample: 0.2, threadCpuTime: cpuTime);
        Console.WriteLine(title + (cpuTime ? " (thread CPU time)" : " (wall time)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  step: former {seconds[0] * 1e3,8:F2} ms   torch {seconds[1] * 1e3,8:F2} ms   torch/former = {seconds[1] / seconds[0]:F2}"));
    }

    private static void BackwardByTrainedExperts(ModelConfig config, int seqLen, GemmOptions gemm, int rounds)
    {
        var (tokens, labels) = Batch32(config, seqLen);
        var former = new MoETransformer(config, seed: 1, gemm);
        using var model = new TorchMoETransformer(config, seed: 1);
        int[] trainedCounts = [1, 2, 4, 8];
        var masks = trainedCounts.Select(k =>
        {
            var mask = new ExpertMask(config.Layers, config.Experts);
            for (int l = 0; l < config.Layers; l++)
            {
                for (int e = k; e < config.Experts; e++)
                {
                    mask[l, e] = true;
                }
            }
            return mask;
        }).ToArray();
        bool cpuTime = gemm.MaxThreads == 1 && OperatingSystem.IsLinux();
        double Clock() => cpuTime ? InterleavedTimer.ThreadCpuSeconds() : Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
        var formerTimes = new double[masks.Length][];
        var torchTimes = new double[masks.Length][];
        for (int m = 0; m < masks.Length; m++)
        {
            formerTimes[m] = new double[rounds];
            torchTimes[m] = new double[rounds];
        }
        for (int r = -1; r < rounds; r++)
        {
            for (int m = 0; m < masks.Length; m++)
            {
                former.Loss(tokens, Batch, seqLen, labels);
                double start = Clock();
                former.Backward(masks[m]);
                double formerSeconds = Clock() - start;
                using var scope = torch.NewDisposeScope();
                model.Loss(tokens, Batch, seqLen, labels);
                start = Clock();
                model.Backward(masks[m]);
                double torchSeconds = Clock() - start;
                if (r >= 0)
                {
                    formerTimes[m][r] = formerSeconds;
                    torchTimes[m][r] = torchSeconds;
                }
            }
        }
        Console.WriteLine($"backward only, reference configuration, k of 8 experts trained per layer (the rest frozen), {(cpuTime ? "thread CPU time" : "wall time")}:");
        for (int m = 0; m < masks.Length; m++)
        {
            double f = InterleavedTimer.Median(formerTimes[m]), t = InterleavedTimer.Median(torchTimes[m]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  k = {trainedCounts[m]}: former {f * 1e3,8:F2} ms   torch {t * 1e3,8:F2} ms   torch/former = {t / f:F2}"));
        }
    }

    private static (int[] Tokens, int[] Labels) Batch32(ModelConfig config, int seqLen)
    {
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
        return (tokens, labels);
    }
}
