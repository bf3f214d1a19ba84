using System.Globalization;
using HFedMoE.Model.Tensors;

namespace HFedMoE.Bench.Model;

/// <summary>
/// GFLOP/s of <see cref="Gemm"/> at 512³ and at the reference MoE expert shapes (forward and
/// backward), with 1 and 2 threads, against OpenBLAS sgemm in the same run (when installed), and
/// against the naive triple loop at a small size.
/// </summary>
internal sealed class GemmBenchmark : IBenchmarkSuite
{
    public string Name => "gemm";

    public string Description => "GEMM GFLOP/s vs OpenBLAS sgemm (if installed) and the naive loop; --quick short run, --sweep block-size tuning";

    private sealed record Case(string Label, bool TransA, bool TransB, int M, int N, int K);

    // Reference config: 2048 tokens × top-2 / 8 experts ≈ 512 rows per expert, d_model 128,
    // expert hidden 512. Forward h = x·W1 (512×128 · 128×512), y = h·W2 (512×512 · 512×128);
    // backward dX = dY·Wᵀ (NT) and dW = Xᵀ·dY (TN). Weights are stored (in, out) as in src/Model/Nn.
    private static readonly Case[] Cases =
    [
        new("512³ NN", false, false, 512, 512, 512),
        new("512³ NT", false, true, 512, 512, 512),
        new("512³ TN", true, false, 512, 512, 512),
        new("x·W1 fwd", false, false, 512, 512, 128),
        new("h·W2 fwd", false, false, 512, 128, 512),
        new("dh=dy·W2ᵀ", false, true, 512, 512, 128),
        new("dW2=hᵀ·dy", true, false, 512, 128, 512),
        new("dx=dh·W1ᵀ", false, true, 512, 128, 512),
        new("dW1=xᵀ·dh", true, false, 128, 512, 512),
        // Attention projections over all 2048 tokens: the largest dense GEMMs of a step.
        new("qkv fwd", false, false, 2048, 384, 128),
        new("dWqkv", true, false, 128, 384, 2048),
        new("dx=dqkv·Wᵀ", false, true, 2048, 128, 384),
    ];

    public int Run(string[] args)
    {
        bool quick = args.Contains("--quick");
        if (args.Contains("--sweep"))
        {
            return SweepBlocking(quick);
        }
        int rounds = quick ? 5 : 15;
        double sampleSeconds = quick ? 0.01 : 0.03;
        var blas = OpenBlasSgemm.TryLoad(out string missing);
        Console.WriteLine($"gemm: kernel {(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "AVX-512 8×32" : "256-bit 6×16")}, " +
                          $"{Environment.ProcessorCount} cores, {rounds} interleaved rounds; medians; 1-thread rows in thread CPU time, 2-thread rows in wall time.");
        Console.WriteLine(blas is null ? $"OpenBLAS baseline: NOT MEASURED — {missing}" : $"OpenBLAS baseline: {blas.Library}, {blas.CoreName} kernels");
        Console.WriteLine();
        Console.WriteLine($"{"case",-12} {"m×n×k",-13} {"thr",3} {"ours GF/s",10} {"OpenBLAS",10} {"ours/BLAS",10}");

        var rng = new DeterministicRandom(2024);
        foreach (int threads in new[] { 1, 2 })
        {
            var options = new GemmOptions { MaxThreads = threads };
            blas?.SetThreads(threads);
            foreach (var cs in Cases)
            {
                var (a, lda, b, ldb, c, ldc) = Operands(rng, cs);
                var subjects = new List<Action>
                {
                    () => Gemm.Multiply(cs.TransA, cs.TransB, cs.M, cs.N, cs.K, 1f, a, lda, b, ldb, 0f, c, ldc, options),
                };
                if (blas is not null)
                {
                    subjects.Add(() => blas.Multiply(cs.TransA, cs.TransB, cs.M, cs.N, cs.K, 1f, a, lda, b, ldb, 0f, c, ldc));
                }
                // One thread: both run on this thread, so its CPU time excludes time lost to other
                // processes; two threads must be wall time.
                var seconds = InterleavedTimer.MedianSecondsPerCall(subjects, rounds, sampleSeconds, threadCpuTime: threads == 1);
                double flops = 2.0 * cs.M * cs.N * cs.K;
                double ours = flops / seconds[0] / 1e9;
                string blasCell = blas is null ? "n/a" : (flops / seconds[1] / 1e9).ToString("F1", CultureInfo.InvariantCulture);
                string ratio = blas is null ? "n/a" : (seconds[1] / seconds[0]).ToString("F2", CultureInfo.InvariantCulture) + "×";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{cs.Label,-12} {$"{cs.M}×{cs.N}×{cs.K}",-13} {threads,3} {ours,10:F1} {blasCell,10} {ratio,10}"));
            }
        }
        blas?.SetThreads(Environment.ProcessorCount);

        // The naive loop is ~100× slower, so compare at a size it finishes quickly.
        var small = new Case("naive 96³", false, false, 96, 96, 96);
        var (sa, slda, sb, sldb, sc, sldc) = Operands(rng, small);
        var one = GemmOptions.SingleThreaded;
        var naive = InterleavedTimer.MedianSecondsPerCall(
        [
            () => Gemm.Multiply(false, false, 96, 96, 96, 1f, sa, slda, sb, sldb, 0f, sc, sldc, one),
            () => ReferenceGemm.Multiply(false, false, 96, 96, 96, 1f, sa, slda, sb, sldb, 0f, sc, sldc),
        ], rounds, sampleSeconds);
        double smallFlops = 2.0 * 96 * 96 * 96;
        var big = Operands(rng, Cases[0]);
        var two = new GemmOptions { MaxThreads = 2 };
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"96×96×96 1 thread: ours {smallFlops / naive[0] / 1e9:F1} GF/s, naive triple loop {smallFlops / naive[1] / 1e9:F2} GF/s, speed-up {naive[1] / naive[0]:F0}×"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"allocated per call (steady state): 96³ 1 thread {AllocatedPerCall(() => Gemm.Multiply(false, false, 96, 96, 96, 1f, sa, slda, sb, sldb, 0f, sc, sldc, one))} B, " +
            $"512³ 2 threads {AllocatedPerCall(() => Gemm.Multiply(false, false, 512, 512, 512, 1f, big.A, 512, big.B, 512, 0f, big.C, 512, two))} B"));
        return 0;
    }

    private static long AllocatedPerCall(Action call)
    {
        call();
        call();
        const int calls = 20;
        long before = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < calls; i++)
        {
            call();
        }
        return (GC.GetTotalAllocatedBytes(precise: true) - before) / calls;
    }

    /// <summary>Single-threaded Kc/Mc sweep, each against OpenBLAS, timed in thread CPU time, for tuning GemmBlocking.</summary>
    private static int SweepBlocking(bool quick)
    {
        var blas = OpenBlasSgemm.TryLoad(out _);
        blas?.SetThreads(1);
        var rng = new DeterministicRandom(7);
        var shapes = new[] { Cases[0], Cases[2], Cases[4], Cases[10] };
        var baseline = GemmBlocking.Vector512Kernel;
        foreach (var cs in shapes)
        {
            var (a, lda, b, ldb, c, ldc) = Operands(rng, cs);
            var variants = new List<GemmBlocking>();
            foreach (int kc in new[] { 192, 256, 384 })
            {
                foreach (int mc in new[] { 96, 192 })
                {
                    foreach (int nc in new[] { 256, 512, 2048 })
                    {
                        variants.Add(baseline with { Kc = kc, Mc = mc, Nc = nc });
                    }
                }
            }
            var subjects = variants
                .Select(v => new GemmOptions { MaxThreads = 1, BlockingOverride = v })
                .Select(o => (Action)(() => Gemm.Multiply(cs.TransA, cs.TransB, cs.M, cs.N, cs.K, 1f, a, lda, b, ldb, 0f, c, ldc, o)))
                .ToList();
            if (blas is not null)
            {
                subjects.Add(() => blas.Multiply(cs.TransA, cs.TransB, cs.M, cs.N, cs.K, 1f, a, lda, b, ldb, 0f, c, ldc));
            }
            var seconds = InterleavedTimer.MedianSecondsPerCall(subjects, quick ? 5 : 11, 0.01, threadCpuTime: true);
            double flops = 2.0 * cs.M * cs.N * cs.K;
            Console.WriteLine($"{cs.Label}: OpenBLAS {(blas is null ? "n/a" : (flops / seconds[^1] / 1e9).ToString("F1", CultureInfo.InvariantCulture))} GF/s");
            for (int i = 0; i < variants.Count; i++)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  Kc={variants[i].Kc,4} Mc={variants[i].Mc,4} Nc={variants[i].Nc,4}: {flops / seconds[i] / 1e9,6:F1} GF/s"));
            }
        }
        return 0;
    }

    private static (float[] A, int Lda, float[] B, int Ldb, float[] C, int Ldc) Operands(DeterministicRandom rng, Case cs)
    {
        int lda = cs.TransA ? cs.M : cs.K;
        int ldb = cs.TransB ? cs.K : cs.N;
        var a = new float[cs.M * cs.K];
        var b = new float[cs.K * cs.N];
        rng.FillUniform(a, -1f, 1f);
        rng.FillUniform(b, -1f, 1f);
        return (a, lda, b, ldb, new float[cs.M * cs.N], cs.N);
    }
}
