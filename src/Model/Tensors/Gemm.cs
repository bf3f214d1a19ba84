using System.Runtime.Intrinsics;

namespace HFedMoE.Model.Tensors;

/// <summary>
/// Row-major single-precision GEMM: C = alpha · op(A) · op(B) + beta · C, where op(X) is X or
/// Xᵀ. A is M×K after op, B is K×N after op, C is M×N. Leading dimensions are row strides of the
/// arrays as stored (so a transposed A is stored K×M with lda ≥ M). As in BLAS, beta = 0 means
/// C is write-only (NaN already in C does not propagate), and alpha = 0 or k = 0 reads neither
/// A nor B. C must not overlap A or B. Cache-blocked and packed, AVX-512 micro-kernel (256-bit
/// fallback), and split across threads for large products; results are bit-identical for any
/// thread count (each element is summed in the same order).
/// </summary>
public static class Gemm
{
    /// <summary>Multiplies with <see cref="GemmOptions.Default"/> (all cores, best kernel).</summary>
    public static void Multiply(
        bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
        => Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, GemmOptions.Default);

    /// <summary>Multiplies with explicit threading/kernel options.</summary>
    public static unsafe void Multiply(
        bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc, GemmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ValidateOperand("A", "lda", a.Length, lda, transA ? k : m, transA ? m : k, transA ? "K×M" : "M×K");
        ValidateOperand("B", "ldb", b.Length, ldb, transB ? n : k, transB ? k : n, transB ? "N×K" : "K×N");
        ValidateOperand("C", "ldc", c.Length, ldc, m, n, "M×N");

        if (m == 0 || n == 0)
        {
            return;
        }
        if (k == 0 || alpha == 0f)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }

        var blocking = options.BlockingOverride
            ?? (!options.ForceVector256 && Vector512.IsHardwareAccelerated ? GemmBlocking.Vector512Kernel : GemmBlocking.Vector256Kernel);

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            var op = new GemmOperands(transA, pa, lda, transB, pb, ldb, pc, ldc, k, alpha, beta);
            long work = (long)m * n * k;
            int threads = (int)Math.Clamp(work / options.MinMultiplyAddsPerThread, 1, options.MaxThreads);
            if (threads == 1)
            {
                GemmBlockedDriver.Run(op, blocking, 0, m, 0, n);
                return;
            }
            RunParallel(op, blocking, m, n, threads);
        }
    }

    /// <summary>
    /// Splits C into disjoint slabs along whichever dimension has more register tiles; each
    /// thread runs the whole blocked loop nest on its slab (packing its own copy of the shared
    /// operand, which costs 1/(slab size) of the arithmetic). Slab edges fall on tile edges, so
    /// every element is summed in the same order whatever the thread count.
    /// </summary>
    private static unsafe void RunParallel(GemmOperands op, GemmBlocking blocking, int m, int n, int threads)
    {
        int rowTiles = (m + blocking.Mr - 1) / blocking.Mr;
        int colTiles = (n + blocking.Nr - 1) / blocking.Nr;
        bool splitRows = rowTiles >= colTiles;
        int tiles = splitRows ? rowTiles : colTiles;
        var pool = WorkerPool.Shared;
        var job = new ParallelJob
        {
            Operands = op,
            Blocking = blocking,
            M = m,
            N = n,
            SplitRows = splitRows,
            Tiles = tiles,
            // Two parts per thread, claimed dynamically: if a worker wakes late (the machine is
            // shared), the caller takes its second part instead of idling until it finishes.
            Parts = Math.Min(tiles, 2 * Math.Min(threads, pool.Workers + 1)),
        };
        if (job.Parts <= 1 || pool.Workers == 0)
        {
            GemmBlockedDriver.Run(op, blocking, 0, m, 0, n);
            return;
        }
        pool.Run(job.Parts, &RunPart, &job);
    }

    private static unsafe void RunPart(void* context, int part)
    {
        ref readonly var job = ref *(ParallelJob*)context;
        int unit = job.SplitRows ? job.Blocking.Mr : job.Blocking.Nr;
        int extent = job.SplitRows ? job.M : job.N;
        int start = Math.Min(extent, (int)((long)job.Tiles * part / job.Parts) * unit);
        int end = Math.Min(extent, (int)((long)job.Tiles * (part + 1) / job.Parts) * unit);
        if (job.SplitRows)
        {
            GemmBlockedDriver.Run(job.Operands, job.Blocking, start, end, 0, job.N);
        }
        else
        {
            GemmBlockedDriver.Run(job.Operands, job.Blocking, 0, job.M, start, end);
        }
    }

    /// <summary>One threaded call's split, handed to the worker pool by pointer (no allocation).</summary>
    private struct ParallelJob
    {
        public GemmOperands Operands;
        public GemmBlocking Blocking;
        public int M;
        public int N;
        public bool SplitRows;
        public int Tiles;
        public int Parts;
    }

    private static void ScaleC(int m, int n, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            var row = c.Slice(i * ldc, n);
            if (beta == 0f)
            {
                row.Clear();
            }
            else if (beta != 1f)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
            }
        }
    }

    private static void ValidateOperand(string name, string ldName, int spanLength, int ld, int rows, int cols, string layout)
    {
        if (ld < cols)
        {
            throw new ArgumentOutOfRangeException(
                ldName, ld, $"{ldName} must be at least the stored row width of {name} ({layout}, {cols} columns), but was {ld}.");
        }
        long required = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;
        if (spanLength < required)
        {
            throw new ArgumentException(
                $"{name} is too short: a {rows}×{cols} matrix ({layout}) with {ldName}={ld} needs at least {required} elements, but the span has {spanLength}.",
                name.ToLowerInvariant());
        }
    }
}
