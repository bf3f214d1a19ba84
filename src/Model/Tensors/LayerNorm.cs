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
        for (int r = 0; r < rows; r++)
        {
            var x = input.Slice(r * cols, cols);
            var dout = doutput.Slice(r * cols, cols);
            var dx = dinput.Slice(r * cols, cols);
            float m = mean[r];
            float s = rstd[r];
            float meanG = 0f;
            float meanGXhat = 0f;
            for (int i = 0; i < cols; i++)
            {
                float xhat = (x[i] - m) * s;
                float g = dout[i] * gamma[i];
                meanG += g;
                meanGXhat += g * xhat;
                dgamma[i] += dout[i] * xhat;
                dbeta[i] += dout[i];
            }
            meanG /= cols;
            meanGXhat /= cols;
            for (int i = 0; i < cols; i++)
            {
                float xhat = (x[i] - m) * s;
                float g = dout[i] * gamma[i];
                dx[i] += s * (g - meanG - xhat * meanGXhat);
            }
        }
    }
}
