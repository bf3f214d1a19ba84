using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HFedMoE.Model.Tensors;

/// <summary>
/// GELU, tanh approximation (as in GPT-2 and PyTorch's <c>gelu(approximate="tanh")</c>):
/// gelu(x) = ½·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³). It is evaluated through the exact
/// identity ½(1 + tanh(u)) = σ(2u) = 1 / (1 + e^(−2u)), which needs one exp per element, has no
/// cancellation near u = 0, and saturates cleanly (e^(−2u) = ∞ gives 0). One fused, vectorised
/// pass per direction; e^x is <see cref="VectorExp"/>; σ is recomputed in backward rather than cached (cheaper than another
/// tokens × hidden buffer). Vector lanes and the scalar tail evaluate the same formula.
/// </summary>
public static class Gelu
{
    private const float Sqrt2OverPi = 0.7978845608028654f;
    private const float Cubic = 0.044715f;
    // −2u = x·(A + B·x²)
    private const float A = -2f * Sqrt2OverPi;
    private const float B = -2f * Sqrt2OverPi * Cubic;
    // 2·du/dx = C + D·x²
    private const float C = 2f * Sqrt2OverPi;
    private const float D = 2f * Sqrt2OverPi * 3f * Cubic;

    // out, inp: (n)
    public static void Forward(Span<float> output, ReadOnlySpan<float> input)
    {
        Shapes.RequireLength(output, input.Length, "gelu output");
        ref float x0 = ref MemoryMarshal.GetReference(input);
        ref float y0 = ref MemoryMarshal.GetReference(output);
        int n = input.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var x = Vector512.LoadUnsafe(ref x0, (nuint)i);
                var e = VectorExp.Exp(x * (Vector512.Create(A) + Vector512.Create(B) * x * x));
                (x / (Vector512<float>.One + e)).StoreUnsafe(ref y0, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var x = Vector256.LoadUnsafe(ref x0, (nuint)i);
                var e = VectorExp.Exp(x * (Vector256.Create(A) + Vector256.Create(B) * x * x));
                (x / (Vector256<float>.One + e)).StoreUnsafe(ref y0, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float x = input[i];
            output[i] = x / (1f + VectorExp.Exp(x * (A + B * x * x)));
        }
    }

    /// <summary>
    /// Adds <paramref name="bias"/> to every row of <paramref name="preActivation"/> in place (the
    /// backward needs the biased values) and writes GELU of the result to <paramref name="output"/>,
    /// in one pass over the block instead of two. Large blocks are split by rows across the
    /// threads <paramref name="options"/> allows (elementwise, so the bits do not depend on it).
    /// </summary>
    public static unsafe void ForwardWithBias(Span<float> output, Span<float> preActivation, ReadOnlySpan<float> bias, GemmOptions? options = null)
    {
        int cols = bias.Length;
        Shapes.RequireLength(output, preActivation.Length, "gelu output");
        if (cols == 0 || preActivation.Length % cols != 0)
        {
            throw new ArgumentException($"gelu pre-activation has {preActivation.Length} elements; expected a multiple of the bias length {cols}");
        }
        int rows = preActivation.Length / cols;
        int parts = Math.Min(Parts(preActivation.Length, options), rows);
        fixed (float* pOut = output, pPre = preActivation, pBias = bias)
        {
            var job = new Job { A = pOut, B = pPre, C = pBias, Rows = rows, Cols = cols, Parts = parts };
            if (parts <= 1)
            {
                ForwardWithBiasRows(in job, 0, rows);
            }
            else
            {
                WorkerPool.Shared.Run(parts, &ForwardWithBiasPart, &job);
            }
        }
    }

    private static unsafe void ForwardWithBiasPart(void* context, int part)
    {
        ref readonly var job = ref *(Job*)context;
        ForwardWithBiasRows(in job, job.Rows * part / job.Parts, job.Rows * (part + 1) / job.Parts);
    }

    private static unsafe void ForwardWithBiasRows(in Job job, int from, int to)
    {
        int cols = job.Cols;
        var bias = new ReadOnlySpan<float>(job.C, cols);
        for (int r = from; r < to; r++)
        {
            var x = new Span<float>(job.B + (long)r * cols, cols);
            System.Numerics.Tensors.TensorPrimitives.Add(x, bias, x);
            Forward(new Span<float>(job.A + (long)r * cols, cols), x);
        }
    }

    // Threads for an elementwise pass over n floats: ~64k elements (a few µs of work) per thread
    // at least, so small blocks do not pay the wake-up.
    private static int Parts(int n, GemmOptions? options)
    {
        int maxThreads = (options ?? GemmOptions.Default).MaxThreads;
        if (maxThreads <= 1)
        {
            return 1;
        }
        return Math.Clamp(n >> 16, 1, Math.Min(maxThreads, WorkerPool.Shared.Workers + 1));
    }

    // dinp += dout · [σ + x·σ(1 − σ)·2u'],  σ = σ(2u), 2u' = 2√(2/π)(1 + 3·0.044715·x²)
    public static void Backward(Span<float> dinput, ReadOnlySpan<float> input, ReadOnlySpan<float> doutput) =>
        Backward(dinput, input, doutput, accumulate: true);

    /// <summary>
    /// dinp = dout · gelu'(x), overwriting; <paramref name="dinput"/> may be the same buffer as
    /// <paramref name="doutput"/> (in place), which saves a buffer, its clearing and a read pass.
    /// </summary>
    public static unsafe void BackwardOverwrite(Span<float> dinput, ReadOnlySpan<float> input, ReadOnlySpan<float> doutput, GemmOptions? options = null)
    {
        Shapes.RequireLength(dinput, input.Length, "gelu dinput");
        Shapes.RequireLength(doutput, input.Length, "gelu doutput");
        // Split on 64-element boundaries: every element takes the same vector-or-tail path as
        // in a serial pass, so the bits do not depend on the thread count.
        int blocks = (input.Length + 63) / 64;
        int parts = Math.Min(Parts(input.Length, options), blocks);
        if (parts <= 1)
        {
            Backward(dinput, input, doutput, accumulate: false);
            return;
        }
        fixed (float* pD = dinput, pX = input, pG = doutput)
        {
            var job = new Job { A = pD, B = pX, C = pG, Rows = blocks, Cols = input.Length, Parts = parts };
            WorkerPool.Shared.Run(parts, &BackwardOverwritePart, &job);
        }
    }

    private static unsafe void BackwardOverwritePart(void* context, int part)
    {
        ref readonly var job = ref *(Job*)context;
        int from = Math.Min(job.Cols, job.Rows * part / job.Parts * 64);
        int to = Math.Min(job.Cols, job.Rows * (part + 1) / job.Parts * 64);
        Backward(new Span<float>(job.A + from, to - from), new ReadOnlySpan<float>(job.B + from, to - from), new ReadOnlySpan<float>(job.C + from, to - from), accumulate: false);
    }

    /// <summary>One threaded call's operands, handed to the worker pool by pointer (no allocation).</summary>
    private unsafe struct Job
    {
        public float* A;   // forward: output; backward: dinput
        public float* B;   // forward: pre-activation (biased in place); backward: input
        public float* C;   // forward: bias; backward: doutput
        public int Rows;   // forward: rows; backward: 64-element blocks
        public int Cols;   // forward: columns; backward: element count
        public int Parts;
    }

    private static void Backward(Span<float> dinput, ReadOnlySpan<float> input, ReadOnlySpan<float> doutput, bool accumulate)
    {
        Shapes.RequireLength(dinput, input.Length, "gelu dinput");
        Shapes.RequireLength(doutput, input.Length, "gelu doutput");
        ref float x0 = ref MemoryMarshal.GetReference(input);
        ref float g0 = ref MemoryMarshal.GetReference(doutput);
        ref float d0 = ref MemoryMarshal.GetReference(dinput);
        int n = input.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var x = Vector512.LoadUnsafe(ref x0, (nuint)i);
                var x2 = x * x;
                var s = Vector512<float>.One / (Vector512<float>.One + VectorExp.Exp(x * (Vector512.Create(A) + Vector512.Create(B) * x2)));
                var local = s + x * s * (Vector512<float>.One - s) * (Vector512.Create(C) + Vector512.Create(D) * x2);
                var grad = Vector512.LoadUnsafe(ref g0, (nuint)i) * local;
                (accumulate ? Vector512.LoadUnsafe(ref d0, (nuint)i) + grad : grad).StoreUnsafe(ref d0, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var x = Vector256.LoadUnsafe(ref x0, (nuint)i);
                var x2 = x * x;
                var s = Vector256<float>.One / (Vector256<float>.One + VectorExp.Exp(x * (Vector256.Create(A) + Vector256.Create(B) * x2)));
                var local = s + x * s * (Vector256<float>.One - s) * (Vector256.Create(C) + Vector256.Create(D) * x2);
                var grad = Vector256.LoadUnsafe(ref g0, (nuint)i) * local;
                (accumulate ? Vector256.LoadUnsafe(ref d0, (nuint)i) + grad : grad).StoreUnsafe(ref d0, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float x = input[i];
            float x2 = x * x;
            float s = 1f / (1f + VectorExp.Exp(x * (A + B * x2)));
            float local = s + x * s * (1f - s) * (C + D * x2);
            float grad = doutput[i] * local;
            dinput[i] = accumulate ? dinput[i] + grad : grad;
        }
    }
}
