using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Numerics.Tensors;

namespace HFedMoE.Model.Tensors;

/// <summary>
/// Row-wise softmax. Forward subtracts the row maximum so large logits cannot overflow.
/// Backward adds into <c>dinp</c> (llm.c convention: callers zero d-buffers once per step, and
/// branches that share an input simply sum).
/// </summary>
public static class Softmax
{
    // out, inp: (rows, cols)
    public static void Forward(Span<float> output, ReadOnlySpan<float> input, int rows, int cols)
    {
        Shapes.RequireLength(input, rows * cols, "softmax input");
        Shapes.RequireLength(output, rows * cols, "softmax output");
        for (int r = 0; r < rows; r++)
        {
            ForwardRow(output.Slice(r * cols, cols), input.Slice(r * cols, cols));
        }
    }

    /// <summary>Softmax of one row; a row that is entirely -inf (fully masked) becomes all zeros.</summary>
    public static void ForwardRow(Span<float> output, ReadOnlySpan<float> input)
    {
        float max = TensorPrimitives.Max(input);
        if (float.IsNegativeInfinity(max))
        {
            output.Clear();
            return;
        }
        // One fused pass: e = exp(x − max) (see VectorExp), stored and summed.
        ref float x0 = ref MemoryMarshal.GetReference(input);
        ref float y0 = ref MemoryMarshal.GetReference(output);
        int n = input.Length, i = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            var vmax = Vector512.Create(max);
            var acc = Vector512<float>.Zero;
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var e = VectorExp.Exp(Vector512.LoadUnsafe(ref x0, (nuint)i) - vmax);
                e.StoreUnsafe(ref y0, (nuint)i);
                acc += e;
            }
            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            var vmax = Vector256.Create(max);
            var acc = Vector256<float>.Zero;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var e = VectorExp.Exp(Vector256.LoadUnsafe(ref x0, (nuint)i) - vmax);
                e.StoreUnsafe(ref y0, (nuint)i);
                acc += e;
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < n; i++)
        {
            float e = VectorExp.Exp(input[i] - max);
            output[i] = e;
            sum += e;
        }
        TensorPrimitives.Multiply(output, 1f / sum, output);
    }

    // dinp += y ⊙ (dout − Σ dout⊙y), per row. y is the forward output.
    public static void Backward(Span<float> dinput, ReadOnlySpan<float> doutput, ReadOnlySpan<float> output, int rows, int cols)
    {
        Shapes.RequireLength(output, rows * cols, "softmax output");
        Shapes.RequireLength(doutput, rows * cols, "softmax doutput");
        Shapes.RequireLength(dinput, rows * cols, "softmax dinput");
        for (int r = 0; r < rows; r++)
        {
            BackwardRow(dinput.Slice(r * cols, cols), doutput.Slice(r * cols, cols), output.Slice(r * cols, cols));
        }
    }

    public static void BackwardRow(Span<float> dinput, ReadOnlySpan<float> doutput, ReadOnlySpan<float> output)
    {
        float dot = TensorPrimitives.Dot(doutput, output);
        int width = Vector<float>.Count, i = 0;
        var vdot = new Vector<float>(dot);
        for (; i <= dinput.Length - width; i += width)
        {
            (new Vector<float>(dinput[i..]) + new Vector<float>(output[i..]) * (new Vector<float>(doutput[i..]) - vdot)).CopyTo(dinput[i..]);
        }
        for (; i < dinput.Length; i++)
        {
            dinput[i] += output[i] * (doutput[i] - dot);
        }
    }
}
