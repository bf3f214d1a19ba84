namespace HFedMoE.Model.Tensors;

/// <summary>
/// Multi-head scaled dot-product self-attention over a fused QKV buffer, with an optional causal
/// mask and a key padding mask given as per-sample valid lengths (keys at t ≥ length are masked).
/// Query rows at padded positions still attend to the valid keys; their outputs are simply
/// ignored downstream. Per (sample, head) the three products are GEMMs over strided views of QKV.
/// </summary>
public static class Attention
{
    // qkv: (B, T, 3C) laid out [q | k | v], head h at columns h·hs..(h+1)·hs of each part
    // out: (B, T, C);  att: (B, NH, T, T) softmax probabilities (kept for backward)
    // lengths: (B) valid lengths, or empty for "all T valid"
    public static void Forward(
        Span<float> output, Span<float> att, ReadOnlySpan<float> qkv, ReadOnlySpan<int> lengths,
        int batch, int seqLen, int channels, int heads, bool causal, GemmOptions? options = null)
    {
        int hs = CheckShapes(output.Length, att.Length, qkv.Length, lengths, batch, seqLen, channels, heads);
        int c3 = 3 * channels;
        options ??= GemmOptions.Default;
        float scale = 1f / MathF.Sqrt(hs);
        for (int b = 0; b < batch; b++)
        {
            int valid = lengths.IsEmpty ? seqLen : lengths[b];
            for (int h = 0; h < heads; h++)
            {
                var q = qkv[(b * seqLen * c3 + h * hs)..];
                var k = qkv[(b * seqLen * c3 + channels + h * hs)..];
                var v = qkv[(b * seqLen * c3 + 2 * channels + h * hs)..];
                var a = att.Slice((b * heads + h) * seqLen * seqLen, seqLen * seqLen);
                // scores = q kᵀ / √hs
                Gemm.Multiply(false, true, seqLen, seqLen, hs, scale, q, c3, k, c3, 0f, a, seqLen, options);
                for (int t = 0; t < seqLen; t++)
                {
                    var row = a.Slice(t * seqLen, seqLen);
                    int visible = causal ? Math.Min(valid, t + 1) : valid;
                    row[visible..].Fill(float.NegativeInfinity);
                    Softmax.ForwardRow(row, row);
                }
                // out_h = att · v
                Gemm.Multiply(false, false, seqLen, hs, seqLen, 1f, a, seqLen, v, c3, 0f, output[(b * seqLen * channels + h * hs)..], channels, options);
            }
        }
    }

    // dqkv += ∂/∂qkv; datt: (T, T) scratch for one (sample, head)
    public static void Backward(
        Span<float> dqkv, Span<float> dattScratch, ReadOnlySpan<float> doutput, ReadOnlySpan<float> qkv, ReadOnlySpan<float> att,
        int batch, int seqLen, int channels, int heads, GemmOptions? options = null)
    {
        int hs = CheckShapes(doutput.Length, att.Length, qkv.Length, default, batch, seqLen, channels, heads);
        Shapes.RequireLength(dqkv, batch * seqLen * 3 * channels, "attention dqkv");
        Shapes.RequireLength(dattScratch, 2 * seqLen * seqLen, "attention scratch");
        int c3 = 3 * channels;
        options ??= GemmOptions.Default;
        float scale = 1f / MathF.Sqrt(hs);
        var datt = dattScratch[..(seqLen * seqLen)];
        var dpre = dattScratch.Slice(seqLen * seqLen, seqLen * seqLen);
        for (int b = 0; b < batch; b++)
        {
            for (int h = 0; h < heads; h++)
            {
                int qOff = b * seqLen * c3 + h * hs;
                var q = qkv[qOff..];
                var k = qkv[(qOff + channels)..];
                var v = qkv[(qOff + 2 * channels)..];
                var a = att.Slice((b * heads + h) * seqLen * seqLen, seqLen * seqLen);
                var dout = doutput[(b * seqLen * channels + h * hs)..];
                // datt = dout · vᵀ;  dv += attᵀ · dout
                Gemm.Multiply(false, true, seqLen, seqLen, hs, 1f, dout, channels, v, c3, 0f, datt, seqLen, options);
                Gemm.Multiply(true, false, seqLen, hs, seqLen, 1f, a, seqLen, dout, channels, 1f, dqkv[(qOff + 2 * channels)..], c3, options);
                // dscores = softmax backward (masked entries have att = 0, so they get no gradient)
                dpre.Clear();
                Softmax.Backward(dpre, datt, a, seqLen, seqLen);
                // dq += scale · dscores · k;  dk += scale · dscoresᵀ · q
                Gemm.Multiply(false, false, seqLen, hs, seqLen, scale, dpre, seqLen, k, c3, 1f, dqkv[qOff..], c3, options);
                Gemm.Multiply(true, false, seqLen, hs, seqLen, scale, dpre, seqLen, q, c3, 1f, dqkv[(qOff + channels)..], c3, options);
            }
        }
    }

    /// <summary>Floating-point operations of one forward pass (the two batched GEMMs).</summary>
    public static long ForwardFlops(int batch, int seqLen, int channels) => 4L * batch * seqLen * seqLen * channels;

    private static int CheckShapes(int outLength, int attLength, int qkvLength, ReadOnlySpan<int> lengths, int batch, int seqLen, int channels, int heads)
    {
        Shapes.RequirePositive(heads, nameof(heads));
        if (channels % heads != 0)
        {
            throw new ArgumentException($"attention channels {channels} must be divisible by heads {heads}");
        }
        if (qkvLength < batch * seqLen * 3 * channels)
        {
            throw new ArgumentException($"attention qkv has {qkvLength} elements; expected at least {batch * seqLen * 3 * channels}");
        }
        if (outLength < batch * seqLen * channels)
        {
            throw new ArgumentException($"attention output has {outLength} elements; expected at least {batch * seqLen * channels}");
        }
        if (attLength < batch * heads * seqLen * seqLen)
        {
            throw new ArgumentException($"attention probabilities have {attLength} elements; expected at least {batch * heads * seqLen * seqLen}");
        }
        if (!lengths.IsEmpty)
        {
            Shapes.RequireLength(lengths, batch, "attention lengths");
            for (int b = 0; b < batch; b++)
            {
                if (lengths[b] < 1 || lengths[b] > seqLen)
                {
                    throw new ArgumentOutOfRangeException(nameof(lengths), lengths[b], $"length of sample {b} is {lengths[b]}; expected 1..{seqLen}");
                }
            }
        }
        return channels / heads;
    }
}
