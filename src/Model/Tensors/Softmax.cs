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
        TensorPrimitives.Subtract(input, max, output);
        TensorPrimitives.Exp(output, output);
        float sum = TensorPrimitives.Sum(output);
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
        for (int i = 0; i < dinput.Length; i++)
        {
            dinput[i] += output[i] * (doutput[i] - dot);
        }
    }
}
