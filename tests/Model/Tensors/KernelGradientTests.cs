using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Tests.Tensors;

public sealed class KernelGradientTests
{
    private readonly Random _rng = new(1234);

    [Fact]
    public void Softmax_rows_sum_to_one_and_backward_matches_finite_differences()
    {
        const int rows = 3, cols = 5;
        var x = FiniteDifference.Random(_rng, rows * cols, 3f);
        var w = FiniteDifference.Random(_rng, rows * cols);
        var y = new float[rows * cols];
        Softmax.Forward(y, x, rows, cols);
        for (int r = 0; r < rows; r++)
        {
            Assert.Equal(1f, y.AsSpan(r * cols, cols).ToArray().Sum(), 5);
        }
        var dx = new float[rows * cols];
        Softmax.Backward(dx, w, y, rows, cols);
        FiniteDifference.Check("softmax dx", x, dx, () =>
        {
            var o = new float[rows * cols];
            Softmax.Forward(o, x, rows, cols);
            return FiniteDifference.Dot(o, w);
        });
    }

    [Fact]
    public void Softmax_of_a_fully_masked_row_is_zero_not_nan()
    {
        var x = new[] { float.NegativeInfinity, float.NegativeInfinity };
        var y = new float[2];
        Softmax.ForwardRow(y, x);
        Assert.Equal(new float[2], y);
    }

    // 37 columns exercise the vectorised body and its scalar tail; 6 stay below one vector.
    [Theory]
    [InlineData(4, 6)]
    [InlineData(3, 37)]
    public void LayerNorm_normalises_rows_and_backward_matches_finite_differences(int rows, int cols)
    {
        var x = FiniteDifference.Random(_rng, rows * cols, 2f);
        var gamma = FiniteDifference.Random(_rng, cols);
        var beta = FiniteDifference.Random(_rng, cols);
        var w = FiniteDifference.Random(_rng, rows * cols);
        var y = new float[rows * cols];
        var mean = new float[rows];
        var rstd = new float[rows];
        var ones = Enumerable.Repeat(1f, cols).ToArray();
        LayerNorm.Forward(y, mean, rstd, x, ones, new float[cols], rows, cols);
        var row0 = y.AsSpan(0, cols).ToArray();
        Assert.Equal(0.0, row0.Average(), 5);
        Assert.Equal(1.0, row0.Select(v => (double)v * v).Average(), 3);

        LayerNorm.Forward(y, mean, rstd, x, gamma, beta, rows, cols);
        var dx = new float[rows * cols];
        var dgamma = new float[cols];
        var dbeta = new float[cols];
        LayerNorm.Backward(dx, dgamma, dbeta, w, x, gamma, mean, rstd, rows, cols);
        double Loss()
        {
            var o = new float[rows * cols];
            LayerNorm.Forward(o, new float[rows], new float[rows], x, gamma, beta, rows, cols);
            return FiniteDifference.Dot(o, w);
        }
        FiniteDifference.Check($"layernorm dx ({cols} cols)", x, dx, Loss);
        FiniteDifference.Check($"layernorm dgamma ({cols} cols)", gamma, dgamma, Loss);
        FiniteDifference.Check($"layernorm dbeta ({cols} cols)", beta, dbeta, Loss);
    }

    [Fact]
    public void Gelu_matches_the_tanh_formula_and_its_backward_matches_finite_differences()
    {
        var x = FiniteDifference.Random(_rng, 300, 4f); // > one internal chunk
        var w = FiniteDifference.Random(_rng, 300);
        var y = new float[300];
        Gelu.Forward(y, x);
        for (int i = 0; i < x.Length; i++)
        {
            double xi = x[i];
            double expected = 0.5 * xi * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (xi + 0.044715 * xi * xi * xi)));
            Assert.Equal(expected, y[i], 2e-5);
        }
        var dx = new float[300];
        Gelu.Backward(dx, x, w);
        FiniteDifference.Check("gelu dx", x, dx, () =>
        {
            var o = new float[300];
            Gelu.Forward(o, x);
            return FiniteDifference.Dot(o, w);
        }, eps: 1e-3f);
    }

    [Fact]
    public void Embedding_adds_positions_and_backward_scatter_adds_repeated_tokens()
    {
        const int b = 2, t = 3, c = 4, vocab = 5;
        int[] tokens = [1, 3, 1, 0, 1, 4];
        var wte = FiniteDifference.Random(_rng, vocab * c);
        var wpe = FiniteDifference.Random(_rng, t * c);
        var w = FiniteDifference.Random(_rng, b * t * c);
        var y = new float[b * t * c];
        Embedding.Forward(y, tokens, wte, wpe, b, t, c, vocab);
        Assert.Equal(wte[3 * c + 2] + wpe[1 * c + 2], y[(0 * t + 1) * c + 2]);
        var dwte = new float[vocab * c];
        var dwpe = new float[t * c];
        Embedding.Backward(dwte, dwpe, w, tokens, b, t, c);
        double Loss()
        {
            var o = new float[b * t * c];
            Embedding.Forward(o, tokens, wte, wpe, b, t, c, vocab);
            return FiniteDifference.Dot(o, w);
        }
        FiniteDifference.Check("embedding dwte", wte, dwte, Loss);
        FiniteDifference.Check("embedding dwpe", wpe, dwpe, Loss);
        Assert.Equal(0f, dwte[2 * c]); // token 2 never appears
        Assert.Throws<ArgumentOutOfRangeException>(() => Embedding.Forward(new float[b * t * c], [0, 1, 2, 3, 4, 5], wte, wpe, b, t, c, vocab));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Attention_backward_matches_finite_differences_with_padding(bool causal)
    {
        const int b = 2, t = 4, c = 6, heads = 2;
        int[] lengths = [4, 3];
        var qkv = FiniteDifference.Random(_rng, b * t * 3 * c);
        var w = FiniteDifference.Random(_rng, b * t * c);
        var y = new float[b * t * c];
        var att = new float[b * heads * t * t];
        Attention.Forward(y, att, qkv, lengths, b, t, c, heads, causal);
        // Sample 1 has 3 valid keys: the fourth key gets no attention from any query.
        for (int h = 0; h < heads; h++)
        {
            for (int q = 0; q < t; q++)
            {
                Assert.Equal(0f, att[((1 * heads + h) * t + q) * t + 3]);
            }
        }
        if (causal)
        {
            Assert.Equal(0f, att[1]); // query 0 cannot see key 1
        }
        var dqkv = new float[qkv.Length];
        Attention.Backward(dqkv, new float[2 * t * t], w, qkv, att, b, t, c, heads);
        FiniteDifference.Check("attention dqkv", qkv, dqkv, () =>
        {
            var o = new float[b * t * c];
            Attention.Forward(o, new float[b * heads * t * t], qkv, lengths, b, t, c, heads, causal);
            return FiniteDifference.Dot(o, w);
        });
    }

    [Fact]
    public void Attention_rejects_channels_not_divisible_by_heads()
    {
        var ex = Assert.Throws<ArgumentException>(() => Attention.Forward(new float[30], new float[50], new float[90], default, 1, 5, 6, 4, false));
        Assert.Contains("divisible", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CrossEntropy_ignores_minus_one_and_backward_matches_finite_differences()
    {
        const int rows = 4, classes = 5;
        int[] targets = [2, -1, 0, 4];
        var logits = FiniteDifference.Random(_rng, rows * classes, 3f);
        var probs = new float[rows * classes];
        float loss = CrossEntropy.Forward(probs, logits, targets, rows, classes, out int counted);
        Assert.Equal(3, counted);
        double expected = 0;
        foreach (int r in new[] { 0, 2, 3 })
        {
            var z = logits.AsSpan(r * classes, classes).ToArray();
            expected += Math.Log(z.Sum(v => Math.Exp(v))) - z[targets[r]];
        }
        Assert.Equal(expected / 3, loss, 5);
        var dlogits = new float[rows * classes];
        CrossEntropy.Backward(dlogits, probs, targets, rows, classes, counted);
        Assert.All(dlogits.AsSpan(classes, classes).ToArray(), v => Assert.Equal(0f, v));
        FiniteDifference.Check("cross-entropy dlogits", logits, dlogits,
            () => CrossEntropy.Forward(new float[rows * classes], logits, targets, rows, classes, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => CrossEntropy.Forward(probs, logits, [5, 0, 0, 0], rows, classes, out _));
    }

    [Fact]
    public void Dispatch_gather_and_weighted_combine_backward_match_finite_differences()
    {
        const int n = 4, c = 3;
        int[] rows = [2, 0, 2];
        var src = FiniteDifference.Random(_rng, n * c);
        var gathered = new float[rows.Length * c];
        ExpertDispatch.Gather(gathered, src, rows, c);
        Assert.Equal(src.AsSpan(2 * c, c).ToArray(), gathered.AsSpan(0, c).ToArray());
        Assert.Equal(src.AsSpan(0, c).ToArray(), gathered.AsSpan(c, c).ToArray());

        var w = FiniteDifference.Random(_rng, rows.Length * c);
        var dsrc = new float[n * c];
        ExpertDispatch.GatherBackward(dsrc, w, rows, c);
        FiniteDifference.Check("gather dsrc", src, dsrc, () =>
        {
            var g = new float[rows.Length * c];
            ExpertDispatch.Gather(g, src, rows, c);
            return FiniteDifference.Dot(g, w);
        });

        var expertOut = FiniteDifference.Random(_rng, rows.Length * c);
        var gates = new[] { 0.7f, 1f, 0.3f };
        var wOut = FiniteDifference.Random(_rng, n * c);
        var dexpert = new float[rows.Length * c];
        var dgates = new float[rows.Length];
        ExpertDispatch.CombineBackward(dexpert, dgates, wOut, expertOut, rows, gates, c);
        double Loss()
        {
            var o = new float[n * c];
            ExpertDispatch.Combine(o, expertOut, rows, gates, c);
            return FiniteDifference.Dot(o, wOut);
        }
        FiniteDifference.Check("combine dexpert", expertOut, dexpert, Loss);
        FiniteDifference.Check("combine dgates", gates, dgates, Loss);
    }
}
