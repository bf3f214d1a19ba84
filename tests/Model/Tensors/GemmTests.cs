using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Tests.Tensors;

public sealed class GemmTests
{
    private static readonly GemmOptions Fallback = new() { ForceVector256 = true, MaxThreads = 1 };
    private static readonly GemmOptions OneThread = GemmOptions.SingleThreaded;
    private static readonly GemmOptions TwoThreadsEager = new() { MaxThreads = 2, MinMultiplyAddsPerThread = 1 };

    public static TheoryData<int, int, int> Shapes() => new()
    {
        { 1, 1, 1 },
        { 17, 31, 7 },
        { 8, 32, 256 },     // exactly one AVX-512 tile, one K block
        { 9, 33, 257 },     // one past every tile and K block edge
        { 6, 16, 5 },       // exactly one 256-bit tile
        { 200, 3, 40 },     // tall/skinny
        { 3, 150, 300 },    // short/wide, two K blocks
        { 1, 70, 513 },     // a row vector times a matrix, three K blocks
        { 65, 1, 9 },       // a matrix times a column vector
        { 197, 45, 33 },    // more rows than one M block
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_reference_for_all_transposes_and_both_kernels(int m, int n, int k)
    {
        var rng = new DeterministicRandom((ulong)(m * 1_000_003 + n * 1009 + k));
        foreach (var options in new[] { OneThread, Fallback })
        {
            foreach (bool transA in new[] { false, true })
            {
                foreach (bool transB in new[] { false, true })
                {
                    AssertMatchesReference(rng, transA, transB, m, n, k, alpha: 1f, beta: 0f, padding: 0, options);
                    AssertMatchesReference(rng, transA, transB, m, n, k, alpha: -0.75f, beta: 0.5f, padding: 3, options);
                }
            }
        }
    }

    [Fact]
    public void Beta_zero_ignores_NaN_already_in_C_on_both_kernels()
    {
        var rng = new DeterministicRandom(7);
        foreach (var options in new[] { OneThread, Fallback })
        {
            // 19×37 has full and partial tiles; k=300 spans two K blocks (beta applied once only).
            const int m = 19, n = 37, k = 300;
            var a = RandomArray(rng, m * k);
            var b = RandomArray(rng, k * n);
            var c = new float[m * n];
            Array.Fill(c, float.NaN);
            Gemm.Multiply(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n, options);
            var expected = new float[m * n];
            ReferenceGemm.Multiply(false, false, m, n, k, 1f, a, k, b, n, 0f, expected, n);
            AssertClose(expected, c, Bound(false, false, m, n, k, 1f, a, k, b, n, 0f, null, n), "beta=0 over NaN");
        }
    }

    [Fact]
    public void Alpha_zero_scales_C_by_beta_without_reading_A_or_B()
    {
        float[] a = [float.NaN, float.NaN, float.NaN, float.NaN];
        float[] b = [float.NaN, float.NaN, float.NaN, float.NaN];
        float[] c = [1f, 2f, 3f, 4f];
        Gemm.Multiply(false, false, 2, 2, 2, 0f, a, 2, b, 2, 3f, c, 2);
        float[] expected = [3f, 6f, 9f, 12f];
        Assert.Equal(expected, c);
    }

    [Fact]
    public void K_zero_with_beta_zero_clears_C_and_leaves_padding_alone()
    {
        float[] c = [float.NaN, float.NaN, 42f, float.NaN, float.NaN, 42f];
        Gemm.Multiply(false, false, 2, 2, 0, 1f, ReadOnlySpan<float>.Empty, 0, ReadOnlySpan<float>.Empty, 2, 0f, c, 3);
        float[] expected = [0f, 0f, 42f, 0f, 0f, 42f];
        Assert.Equal(expected, c);
    }

    [Fact]
    public void Strided_operands_leave_elements_outside_the_matrices_untouched()
    {
        const int m = 13, n = 41, k = 19, ldc = n + 7;
        var rng = new DeterministicRandom(11);
        var a = RandomArray(rng, m * (k + 5));
        var b = RandomArray(rng, k * (n + 2));
        var c = new float[m * ldc];
        Array.Fill(c, -123f);
        Gemm.Multiply(false, false, m, n, k, 1f, a, k + 5, b, n + 2, 0f, c, ldc, OneThread);
        for (int i = 0; i < m; i++)
        {
            for (int j = n; j < ldc; j++)
            {
                Assert.Equal(-123f, c[i * ldc + j]);
            }
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Multi_threaded_large_product_matches_reference(bool transA, bool transB)
    {
        var rng = new DeterministicRandom(300257129);
        AssertMatchesReference(rng, transA, transB, 300, 257, 129, alpha: 1.5f, beta: -1f, padding: 2, TwoThreadsEager);
    }

    [Fact]
    public void Threaded_and_single_threaded_results_are_bitwise_identical()
    {
        // Each thread owns whole tiles of C and every tile sums over K in the same order, so
        // the split must not change a single bit (reproducible training across thread counts).
        const int m = 129, n = 260, k = 300;
        var rng = new DeterministicRandom(5);
        var a = RandomArray(rng, m * k);
        var b = RandomArray(rng, k * n);
        var one = new float[m * n];
        var two = new float[m * n];
        Gemm.Multiply(false, true, m, n, k, 1f, a, k, b, k, 0f, one, n, OneThread);
        Gemm.Multiply(false, true, m, n, k, 1f, a, k, b, k, 0f, two, n, TwoThreadsEager);
        Assert.Equal(one, two);
    }

    [Fact]
    public void Concurrent_threaded_calls_each_get_their_own_correct_result()
    {
        // The worker pool runs one job at a time; a caller that finds it busy must compute its
        // whole product itself rather than wait, share scratch, or mix up another job's parts.
        const int m = 96, n = 160, k = 64, callers = 4, repeats = 5;
        var inputs = Enumerable.Range(0, callers).Select(i =>
        {
            var rng = new DeterministicRandom((ulong)(100 + i));
            return (A: RandomArray(rng, m * k), B: RandomArray(rng, k * n));
        }).ToArray();
        var expected = inputs.Select(x =>
        {
            var c = new float[m * n];
            Gemm.Multiply(false, false, m, n, k, 1f, x.A, k, x.B, n, 0f, c, n, OneThread);
            return c;
        }).ToArray();
        using var start = new Barrier(callers);
        var results = new float[callers][];
        var threads = Enumerable.Range(0, callers).Select(i => new Thread(() =>
        {
            var c = new float[m * n];
            start.SignalAndWait();
            for (int r = 0; r < repeats; r++)
            {
                Gemm.Multiply(false, false, m, n, k, 1f, inputs[i].A, k, inputs[i].B, n, 0f, c, n, TwoThreadsEager);
                if (!c.AsSpan().SequenceEqual(expected[i]))
                {
                    return;
                }
            }
            results[i] = c;
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        for (int i = 0; i < callers; i++)
        {
            Assert.Equal(expected[i], results[i]);
        }
    }

    [Fact]
    public void Negative_dimension_throws_ArgumentOutOfRange()
    {
        var x = new float[4];
        Assert.Throws<ArgumentOutOfRangeException>("m", () => Gemm.Multiply(false, false, -1, 2, 2, 1f, x, 2, x, 2, 0f, x, 2));
        Assert.Throws<ArgumentOutOfRangeException>("n", () => Gemm.Multiply(false, false, 2, -1, 2, 1f, x, 2, x, 2, 0f, x, 2));
        Assert.Throws<ArgumentOutOfRangeException>("k", () => Gemm.Multiply(false, false, 2, 2, -1, 1f, x, 2, x, 2, 0f, x, 2));
    }

    [Fact]
    public void Leading_dimension_narrower_than_the_row_throws_naming_it()
    {
        var x = new float[64];
        var ex = Assert.Throws<ArgumentOutOfRangeException>("lda", () => Gemm.Multiply(false, false, 2, 2, 3, 1f, x, 2, x, 2, 0f, x, 2));
        Assert.Contains("3 columns", ex.Message, StringComparison.Ordinal);
        // Transposed A is stored K×M: its row width is M.
        Assert.Throws<ArgumentOutOfRangeException>("lda", () => Gemm.Multiply(true, false, 4, 2, 3, 1f, x, 3, x, 2, 0f, x, 2));
        Assert.Throws<ArgumentOutOfRangeException>("ldb", () => Gemm.Multiply(false, true, 2, 2, 3, 1f, x, 3, x, 2, 0f, x, 2));
        Assert.Throws<ArgumentOutOfRangeException>("ldc", () => Gemm.Multiply(false, false, 2, 5, 3, 1f, x, 3, x, 5, 0f, x, 4));
    }

    [Fact]
    public void Short_spans_throw_naming_the_operand_and_required_length()
    {
        var ok = new float[100];
        // A: 3×4 with lda=5 needs (3-1)·5 + 4 = 14 elements.
        var exA = Assert.Throws<ArgumentException>("a", () => Gemm.Multiply(false, false, 3, 2, 4, 1f, new float[13], 5, ok, 2, 0f, ok, 2));
        Assert.Contains("A is too short", exA.Message, StringComparison.Ordinal);
        Assert.Contains("at least 14", exA.Message, StringComparison.Ordinal);
        // Bᵀ stored N×K = 2×4 with ldb=4 needs 8.
        var exB = Assert.Throws<ArgumentException>("b", () => Gemm.Multiply(false, true, 3, 2, 4, 1f, ok, 4, new float[7], 4, 0f, ok, 2));
        Assert.Contains("at least 8", exB.Message, StringComparison.Ordinal);
        // C: 3×2 with ldc=3 needs 8.
        var exC = Assert.Throws<ArgumentException>("c", () => Gemm.Multiply(false, false, 3, 2, 4, 1f, ok, 4, ok, 2, 0f, new float[7], 3));
        Assert.Contains("at least 8", exC.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_reject_non_positive_thread_count()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GemmOptions { MaxThreads = 0 });
    }

    private static void AssertMatchesReference(
        DeterministicRandom rng, bool transA, bool transB, int m, int n, int k, float alpha, float beta, int padding, GemmOptions options)
    {
        int lda = (transA ? m : k) + padding;
        int ldb = (transB ? k : n) + padding;
        int ldc = n + padding;
        var a = RandomArray(rng, (transA ? k : m) * lda);
        var b = RandomArray(rng, (transB ? n : k) * ldb);
        var c0 = RandomArray(rng, m * ldc);
        var actual = (float[])c0.Clone();
        var expected = (float[])c0.Clone();
        Gemm.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, actual, ldc, options);
        ReferenceGemm.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, expected, ldc);
        var bound = Bound(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c0, ldc);
        AssertClose(expected, actual, bound,
            $"{m}×{n}×{k} tA={transA} tB={transB} α={alpha} β={beta} pad={padding} v256={options.ForceVector256} threads={options.MaxThreads}");
    }

    /// <summary>Per-element tolerance: 1e-4 relative to Σ|α·a·b| + |β·c| (the dot product's magnitude scale).</summary>
    private static float[] Bound(
        bool transA, bool transB, int m, int n, int k, float alpha, float[] a, int lda, float[] b, int ldb, float beta, float[]? c, int ldc)
    {
        var absA = a.Select(Math.Abs).ToArray();
        var absB = b.Select(Math.Abs).ToArray();
        var bound = c is null ? new float[m * ldc] : beta == 0f ? new float[c.Length] : c.Select(Math.Abs).ToArray();
        ReferenceGemm.Multiply(transA, transB, m, n, k, Math.Abs(alpha), absA, lda, absB, ldb, beta == 0f ? 0f : Math.Abs(beta), bound, ldc);
        for (int i = 0; i < bound.Length; i++)
        {
            bound[i] = 1e-4f * bound[i] + 1e-30f;
        }
        return bound;
    }

    private static void AssertClose(float[] expected, float[] actual, float[] bound, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            float diff = Math.Abs(expected[i] - actual[i]);
            if (!(diff <= bound[i]))
            {
                Assert.Fail($"{what}: element {i} expected {expected[i]} got {actual[i]} (|diff| {diff} > {bound[i]})");
            }
        }
    }

    private static float[] RandomArray(DeterministicRandom rng, int length)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++)
        {
            x[i] = (float)(rng.NextDouble() * 2 - 1);
        }
        return x;
    }
}
