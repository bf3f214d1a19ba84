using TorchSharp;
using static TorchSharp.torch;

namespace HFedMoE.Model.Nn.MoeLm;

/// <summary>
/// Rotary position embeddings, the default ("rotate half") form of Hugging Face's Llama family:
/// inv_freq_i = θ^(−2i/d), angle = position · inv_freq, cos/sin of [angles, angles].
/// </summary>
public static class RotaryEmbedding
{
    /// <summary>cos and sin tables, each [T, headDim].</summary>
    public static (Tensor Cos, Tensor Sin) Tables(long length, int headDim, double theta, Device? device = null)
    {
        using var scope = NewDisposeScope();
        using var dim = headDim.ToScalar();
        var invFreq = pow(theta, arange(0, headDim, 2, dtype: ScalarType.Int64, device: device).to_type(ScalarType.Float32).div(dim)).reciprocal();
        var positions = arange(length, dtype: ScalarType.Int64, device: device).to_type(ScalarType.Float32);
        var freqs = outer(positions, invFreq);            // (T, d/2)
        var emb = cat([freqs, freqs], -1);                  // (T, d)
        return (emb.cos().MoveToOuterDisposeScope(), emb.sin().MoveToOuterDisposeScope());
    }

    /// <summary>x · cos + rotate_half(x) · sin for x of shape (B, heads, T, d).</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        var x1 = x[.., .., .., ..(int)half];
        var x2 = x[.., .., .., (int)half..];
        var rotated = cat([-x2, x1], -1);
        using var one = 1.ToScalar();
        return (x * cos).add(rotated * sin, one).MoveToOuterDisposeScope();
    }
}
