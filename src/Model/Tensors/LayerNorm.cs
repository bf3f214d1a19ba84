using System.Numerics;
using System.Numerics.Tensors;

namespace HFedMoE.Model.Tensors;

/// <summary>
/// Layer normalisation over the last dimension: out = (x − mean) · rstd · γ + β, with the per-row
/// mean and reciprocal standard deviation cached for the backward pass. Backward adds into its
/// d-buffers.
/// </summary>
public static class LayerNorm
{
    public const float Epsilon = 1e-5f;

    // out, inp: (rows, cols); mean, rstd: (rows); gamma, beta: (cols)
    public static void Forward(
        Span<float> output, Span<float> mean, Span<float> rstd,
        ReadOnlySpan<float> input, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, int rows, int cols)
    {
        Shapes.RequireLength(input, rows * cols, "layernorm input");
        Shapes.RequireLength(output, rows * cols, "layernorm output");
        Shapes.RequireLength(mean, rows, "layernorm mean");
        Shapes.RequireLength(rstd, rows, "layernorm rstd");
        Shapes.RequireLength(gamma, cols, "layernorm gamma");
        Shapes.RequireLength(beta, cols, "layernorm beta");
        for (int r = 0; r < rows; r++)
        {
            var x = input.Slice(r * cols, cols);
            var o = output.Slice(r * cols, cols);
            float m = TensorPrimitives.Sum(x) / cols;
            // Two-pass variance: accurate even when |mean| ≫ std.
            TensorPrimitives.Subtract(x, m, o);
            float variance = TensorPrimitives.Dot(o, o) / cols;
            float s = 1f / MathF.Sqrt(variance + Epsilon);
            TensorPrimitives.Multiply(o, s, o);
            TensorPrimitives.FusedMultiplyAdd(o, gamma, beta, o);
            mean[r] = m;
            rstd[r] = s;
        }
    }

    // dinp += rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)), g = dout ⊙ γ;  dγ += Σ_rows dout ⊙ x̂;  dβ += Σ_rows dout
    public static void Backward(
        Span<float> dinput, Span<float> dgamma, Span<float> dbeta,
        ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, int rows, int cols)
    {
        Shapes.RequireLength(dinput, rows * cols, "layernorm dinput");
        Shapes.RequireLength(doutput, rows * cols, "layernorm doutput");
        Shapes.RequireLength(dgamma, cols, "layernorm dgamma");
        Shapes.RequireLength(dbeta, cols, "layernorm dbeta");
        int width = Vector<float>.Count;
        for (int r = 0; r < rows; r++)
        {
            var x = input.Slice(r * cols, cols);
            var dout = doutput.Slice(r * cols, cols);
            var dx = dinput.Slice(r * cols, cols);
            float m = mean[r];
            float s = rstd[r];
            // Pass 1: Σg, Σg·x̂ and the γ/β gradients, x̂ = (x − m)·s, g = dout ⊙ γ.
            var vm = new Vector<float>(m);
            var vs = new Vector<float>(s);
            var sumG = Vector<float>.Zero;
            var sumGXhat = Vector<float>.Zero;
            int i = 0;
            for (; i <= cols - width; i += width)
            {
                var xhat = (new Vector<float>(x[i..]) - vm) * vs;
                var dy = new Vector<float>(dout[i..]);
                var g = dy * new Vector<float>(gamma[i..]);
                sumG += g;
                sumGXhat += g * xhat;
                (new Vector<float>(dgamma[i..]) + dy * xhat).CopyTo(dgamma[i..]);
                (new Vector<float>(dbeta[i..]) + dy).CopyTo(dbeta[i..]);
            }
            float meanG = Vector.Sum(sumG);
            float meanGXhat = Vector.Sum(sumGXhat);
            for (int j = i; j < cols; j++)
            {
                float xhat = (x[j] - m) * s;
                float g = dout[j] * gamma[j];
                meanG += g;
                meanGXhat += g * xhat;
                dgamma[j] += dout[j] * xhat;
                dbeta[j] += dout[j];
            }
            meanG /= cols;
            meanGXhat /= cols;
            // Pass 2: dx += s·(g − mean(g) − x̂·mean(g·x̂)).
            var vMeanG = new Vector<float>(meanG);
            var vMeanGXhat = new Vector<float>(meanGXhat);
            i = 0;
            for (; i <= cols - width; i += width)
            {
                var xhat = (new Vector<float>(x[i..]) - vm) * vs;
                var g = new Vector<float>(dout[i..]) * new Vector<float>(gamma[i..]);
                (new Vector<float>(dx[i..]) + vs * (g - vMeanG - xhat * vMeanGXhat)).CopyTo(dx[i..]);
            }
            for (; i < cols; i++)
            {
                float xhat = (x[i] - m) * s;
                float g = dout[i] * gamma[i];
                dx[i] += s * (g - meanG - xhat * meanGXhat);
            }
        }
    }
}
