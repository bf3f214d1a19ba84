using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Tests.Tensors;

/// <summary>
/// The vectorised elementwise kernels at widths that exercise both the vector body and the scalar
/// tail (37 columns), their saturation and masking edge cases, and the threaded attention.
/// </summary>
public sealed class VectorisedKernelTests
{
    private readonly Random _rng = new(4321);

    [Fact]
    public void VectorExp_is_accurate_and_handles_the_edges()
    {
        var x = new float[203];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = -87f + 175f * i / (x.Length - 1);
        }
        foreach (float v in x.Concat([0f, -1e-3f, 1e-3f, 0.34657f, -0.34657f]))
        {
            double expected = Math.Exp(v);
            float scalar = VectorExp.Exp(v);
            Assert.True(Math.Abs(scalar - expected) <= 4e-7 * expected, $"exp({v}) = {scalar}, expected {expected}");
            var lanes = VectorExp.Exp(System.Runtime.Intrinsics.Vector256.Create(v));
            Assert.Equal(BitConverter.SingleToInt32Bits(scalar), BitConverter.SingleToInt32Bits(lanes[3]));
            var wide = VectorExp.Exp(System.Runtime.Intrinsics.Vector512.Create(v));
            Assert.Equal(BitConverter.SingleToInt32Bits(scalar), BitConverter.SingleToInt32Bits(wide[11]));
        }
        Assert.Equal(0f, VectorExp.Exp(float.NegativeInfinity));
        Assert.Equal(0f, VectorExp.Exp(-100f));
        Assert.Equal(0f, VectorExp.Exp(System.Runtime.Intrinsics.Vector512.Create(float.NegativeInfinity))[0]);
        Assert.True(float.IsNaN(VectorExp.Exp(float.NaN)));
        Assert.True(float.IsNaN(VectorExp.Exp(System.Runtime.Intrinsics.Vector256.Create(float.NaN))[0]));
        float big = VectorExp.Exp(200f);
        Assert.True(float.IsFinite(big) && big > 1e38f, $"exp(200) saturates to a large finite value, got {big}");
    }

    [Fact]
    public void Softmax_with_a_vector_body_and_tail_normalises_masks_and_differentiates()
    {
        const int rows = 3, cols = 37;
        var x = FiniteDifference.Random(_rng, rows * cols, 3f);
        for (int c = 30; c < cols; c++)
        {
            x[cols + c] = float.NegativeInfinity; // row 1: keys 30.. masked
        }
        var w = FiniteDifference.Random(_rng, rows * cols);
        var y = new float[rows * cols];
        Softmax.Forward(y, x, rows, cols);
        for (int r = 0; r < rows; r++)
        {
            Assert.Equal(1.0, y.AsSpan(r * cols, cols).ToArray().Sum(v => (double)v), 5);
            for (int c = 0; c < cols; c++)
            {
                double expected = Math.Exp(x[r * cols + c] - x.AsSpan(r * cols, cols).ToArray().Max()) / x.AsSpan(r * cols, cols).ToArray().Sum(v => Math.Exp(v - x.AsSpan(r * cols, cols).ToArray().Max()));
                Assert.Equal(expected, y[r * cols + c], 6);
            }
        }
        Assert.All(y.AsSpan(cols + 30, cols - 30).ToArray(), v => Assert.Equal(0f, v));
        var dx = new float[rows * cols];
        Softmax.Backward(dx, w, y, rows, cols);
        var finite = x.Select(v => float.IsFinite(v)).ToArray();
        // Finite differences on the unmasked logits only (−∞ cannot be perturbed).
        var probe = x.Select(v => float.IsFinite(v) ? v : 0f).ToArray();
        FiniteDifference.Check("softmax dx (37 cols)", probe, dx, () =>
        {
            var masked = probe.Select((v, i) => finite[i] ? v : float.NegativeInfinity).ToArray();
            var o = new float[rows * cols];
            Softmax.Forward(o, masked, rows, cols);
            return FiniteDifference.Dot(o, w);
        });
    }

    [Fact]
    public void Gelu_fused_bias_and_in_place_backward_agree_with_the_plain_forms()
    {
        const int rows = 4, cols = 37;
        var pre = FiniteDifference.Random(_rng, rows * cols, 4f);
        var bias = FiniteDifference.Random(_rng, cols);
        var dout = FiniteDifference.Random(_rng, rows * cols);

        var biased = (float[])pre.Clone();
        for (int i = 0; i < biased.Length; i++)
        {
            biased[i] += bias[i % cols];
        }
        var expected = new float[biased.Length];
        Gelu.Forward(expected, biased);
        var fused = new float[pre.Length];
        var inPlace = (float[])pre.Clone();
        Gelu.ForwardWithBias(fused, inPlace, bias);
        Assert.Equal(biased, inPlace);
        Assert.Equal(expected, fused);

        var accumulated = new float[biased.Length];
        Gelu.Backward(accumulated, biased, dout);
        var overwritten = (float[])dout.Clone();
        Gelu.BackwardOverwrite(overwritten, biased, overwritten);
        Assert.Equal(accumulated, overwritten);
        Assert.Throws<ArgumentException>(() => Gelu.ForwardWithBias(new float[10], new float[10], new float[3]));
    }

    [Fact]
    public void Gelu_saturates_without_nan()
    {
        float[] x = [30f, -30f, 90f, -90f, 0f];
        var y = new float[x.Length];
        Gelu.Forward(y, x);
        Assert.Equal(30f, y[0]);
        Assert.Equal(90f, y[2]);
        Assert.True(Math.Abs(y[1]) < 1e-30f && Math.Abs(y[3]) < 1e-30f, $"gelu of large negatives is ~0, got {y[1]}, {y[3]}");
        Assert.Equal(0f, y[4]);
        var dx = new float[x.Length];
        Gelu.Backward(dx, x, [1f, 1f, 1f, 1f, 1f]);
        Assert.Equal(1f, dx[0]);
        Assert.Equal(0.5f, dx[4]);
        Assert.True(Math.Abs(dx[1]) < 1e-30f && Math.Abs(dx[3]) < 1e-30f, $"gelu' of large negatives is ~0, got {dx[1]}, {dx[3]}");
    }

    [Fact]
    public void Threaded_gelu_gives_the_bits_of_the_serial_one()
    {
        const int rows = 300, cols = 517; // > 2 × 64k elements, and not a multiple of any vector width
        var pre = FiniteDifference.Random(_rng, rows * cols, 4f);
        var bias = FiniteDifference.Random(_rng, cols);
        var dout = FiniteDifference.Random(_rng, rows * cols);
        var threaded = new GemmOptions { MaxThreads = 2 };

        var serialPre = (float[])pre.Clone();
        var serialOut = new float[pre.Length];
        Gelu.ForwardWithBias(serialOut, serialPre, bias, GemmOptions.SingleThreaded);
        var threadedPre = (float[])pre.Clone();
        var threadedOut = new float[pre.Length];
        Gelu.ForwardWithBias(threadedOut, threadedPre, bias, threaded);
        Assert.Equal(serialPre, threadedPre);
        Assert.Equal(serialOut, threadedOut);

        var serialGrad = (float[])dout.Clone();
        Gelu.BackwardOverwrite(serialGrad, serialPre, serialGrad, GemmOptions.SingleThreaded);
        var threadedGrad = (float[])dout.Clone();
        Gelu.BackwardOverwrite(threadedGrad, serialPre, threadedGrad, threaded);
        Assert.Equal(serialGrad, threadedGrad);
        var accumulated = new float[pre.Length];
        Gelu.Backward(accumulated, serialPre, dout);
        Assert.Equal(accumulated, serialGrad);
    }

    [Fact]
    public void Threaded_attention_gives_the_bits_of_the_serial_one()
    {
        const int b = 5, t = 9, c = 8, heads = 2;
        int[] lengths = [9, 4, 7, 1, 9];
        var qkv = FiniteDifference.Random(_rng, b * t * 3 * c, 2f);
        var dout = FiniteDifference.Random(_rng, b * t * c);
        var serial = GemmOptions.SingleThreaded;
        var threaded = new GemmOptions { MaxThreads = 2, MinMultiplyAddsPerThread = 1 };

        (float[] Out, float[] Att, float[] Dqkv) Run(GemmOptions options)
        {
            var o = new float[b * t * c];
            var att = new float[b * heads * t * t];
            var dqkv = new float[qkv.Length];
            Attention.Forward(o, att, qkv, lengths, b, t, c, heads, causal: true, options);
            Attention.Backward(dqkv, new float[2 * 2 * t * t], dout, qkv, att, b, t, c, heads, options);
            return (o, att, dqkv);
        }
        var one = Run(serial);
        var two = Run(threaded);
        Assert.Equal(one.Out, two.Out);
        Assert.Equal(one.Att, two.Att);
        Assert.Equal(one.Dqkv, two.Dqkv);
        Assert.Throws<ArgumentException>(() => Attention.Backward(new float[qkv.Length], new float[t * t], dout, qkv, one.Att, b, t, c, heads));
    }
}
