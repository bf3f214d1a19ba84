using System.Numerics.Tensors;

namespace HFedMoE.Model.Tensors;

/// <summary>
/// GELU, tanh approximation (as in GPT-2 and PyTorch's <c>gelu(approximate="tanh")</c>):
/// gelu(x) = ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). The tanh is recomputed in backward rather
/// than cached: it is vectorised and cheaper than another (tokens × hidden) buffer.
/// </summary>
public static class Gelu
{
    private const float Sqrt2OverPi = 0.7978845608028654f;
    private const float Cubic = 0.044715f;
    private const int Chunk = 256;

    // out, inp: (n)
    public static void Forward(Span<float> output, ReadOnlySpan<float> input)
    {
        Shapes.RequireLength(output, input.Length, "gelu output");
        Span<float> t = stackalloc float[Chunk];
        for (int start = 0; start < input.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, input.Length - start);
            var x = input.Slice(start, n);
            var tanh = t[..n];
            InnerTanh(tanh, x);
            // out = (tanh + 1) · x · ½
            TensorPrimitives.AddMultiply(tanh, 1f, x, output.Slice(start, n));
            TensorPrimitives.Multiply(output.Slice(start, n), 0.5f, output.Slice(start, n));
        }
    }

    // dinp += dout · [½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715·x²)],  t = tanh(√(2/π)(x + 0.044715x³))
    public static void Backward(Span<float> dinput, ReadOnlySpan<float> input, ReadOnlySpan<float> doutput)
    {
        Shapes.RequireLength(dinput, input.Length, "gelu dinput");
        Shapes.RequireLength(doutput, input.Length, "gelu doutput");
        Span<float> t = stackalloc float[Chunk];
        for (int start = 0; start < input.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, input.Length - start);
            var x = input.Slice(start, n);
            var tanh = t[..n];
            InnerTanh(tanh, x);
            var dx = dinput.Slice(start, n);
            var dout = doutput.Slice(start, n);
            for (int i = 0; i < n; i++)
            {
                float xi = x[i];
                float ti = tanh[i];
                float local = 0.5f * (1f + ti) + 0.5f * xi * (1f - ti * ti) * Sqrt2OverPi * (1f + 3f * Cubic * xi * xi);
                dx[i] += dout[i] * local;
            }
        }
    }

    // t = tanh(√(2/π)·x·(1 + 0.044715·x²))
    private static void InnerTanh(Span<float> t, ReadOnlySpan<float> x)
    {
        TensorPrimitives.Multiply(x, x, t);
        TensorPrimitives.Multiply(t, Sqrt2OverPi * Cubic, t);
        TensorPrimitives.Add(t, Sqrt2OverPi, t);
        TensorPrimitives.Multiply(t, x, t);
        TensorPrimitives.Tanh(t, t);
    }
}
