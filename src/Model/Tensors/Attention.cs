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
    // The (sample, head) products are far too small to thread inside (64×64×32 at the reference
    // shape), so samples are split across threads instead; every (sample, head) is computed
    // exactly as in a serial run, so the bits do not depend on the thread count.
    public static unsafe void Forward(
        Span<float> output, Span<float> att, ReadOnlySpan<float> qkv, ReadOnlySpan<int> lengths,
        int batch, int seqLen, int channels, int heads, bool causal, GemmOptions? options = null)
    {
        int hs = CheckShapes(output.Length, att.Length, qkv.Length, lengths, batch, seqLen, channels, heads);
        options ??= GemmOptions.Default;
        fixed (float* pOut = output, pAtt = att, pQkv = qkv)
        fixed (int* pLengths = lengths)
        {
            var job = new Job
            {
                Output = pOut, Att = pAtt, Qkv = pQkv, Lengths = lengths.IsEmpty ? null : pLengths,
                Batch = batch, SeqLen = seqLen, Channels = channels, Heads = heads, HeadSize = hs, Causal = causal,
            };
            job.Parts = Parts(options, batch, seqLen, channels, int.MaxValue);
            if (job.Parts <= 1)
            {
                ForwardSamples(in job, 0, batch);
            }
            else
            {
                WorkerPool.Shared.Run(job.Parts, &ForwardPart, &job);
            }
        }
    }

    // dqkv += ∂/∂qkv; dattScratch: (2, T, T) per thread — a longer scratch lets more threads run.
    public static unsafe void Backward(
        Span<float> dqkv, Span<float> dattScratch, ReadOnlySpan<float> doutput, ReadOnlySpan<float> qkv, ReadOnlySpan<float> att,
        int batch, int seqLen, int channels, int heads, GemmOptions? options = null)
    {
        int hs = CheckShapes(doutput.Length, att.Length, qkv.Length, default, batch, seqLen, channels, heads);
        Shapes.RequireLength(dqkv, batch * seqLen * 3 * channels, "attention dqkv");
        if (dattScratch.Length < 2 * seqLen * seqLen)
        {
            throw new ArgumentException($"attention scratch has {dattScratch.Length} elements; expected at least 2 × seqLen² = {2 * seqLen * seqLen}");
        }
        options ??= GemmOptions.Default;
        fixed (float* pDqkv = dqkv, pScratch = dattScratch, pDout = doutput, pQkv = qkv, pAtt = att)
        {
            var job = new Job
            {
                Output = pDqkv, Scratch = pScratch, DOutput = pDout, Att = pAtt, Qkv = pQkv,
                Batch = batch, SeqLen = seqLen, Channels = channels, Heads = heads, HeadSize = hs,
            };
            job.Parts = Parts(options, batch, seqLen, channels, dattScratch.Length / (2 * seqLen * seqLen));
            if (job.Parts <= 1)
            {
                BackwardSamples(in job, 0, batch, pScratch);
            }
            else
            {
                WorkerPool.Shared.Run(job.Parts, &BackwardPart, &job);
            }
        }
    }

    private static int Parts(GemmOptions options, int batch, int seqLen, int channels, int scratchSlots)
    {
        long multiplyAdds = 2L * batch * seqLen * seqLen * channels;
        long threads = Math.Clamp(multiplyAdds / options.MinMultiplyAddsPerThread, 1, options.MaxThreads);
        return (int)Math.Min(Math.Min(threads, batch), Math.Min(scratchSlots, WorkerPool.Shared.Workers + 1L));
    }

    private static unsafe void ForwardPart(void* context, int part)
    {
        ref readonly var job = ref *(Job*)context;
        ForwardSamples(in job, job.Batch * part / job.Parts, job.Batch * (part + 1) / job.Parts);
    }

    private static unsafe void BackwardPart(void* context, int part)
    {
        ref readonly var job = ref *(Job*)context;
        float* scratch = job.Scratch + (long)part * 2 * job.SeqLen * job.SeqLen;
        BackwardSamples(in job, job.Batch * part / job.Parts, job.Batch * (part + 1) / job.Parts, scratch);
    }

    private static unsafe void ForwardSamples(in Job job, int from, int to)
    {
        int seqLen = job.SeqLen, channels = job.Channels, hs = job.HeadSize, heads = job.Heads, c3 = 3 * channels;
        var single = GemmOptions.SingleThreaded;
        float scale = 1f / MathF.Sqrt(hs);
        int sampleQkv = seqLen * c3, sampleOut = seqLen * channels, tt = seqLen * seqLen;
        for (int b = from; b < to; b++)
        {
            int valid = job.Lengths is null ? seqLen : job.Lengths[b];
            var qkv = new ReadOnlySpan<float>(job.Qkv + (long)b * sampleQkv, sampleQkv);
            var output = new Span<float>(job.Output + (long)b * sampleOut, sampleOut);
            for (int h = 0; h < heads; h++)
            {
                var q = qkv[(h * hs)..];
                var k = qkv[(channels + h * hs)..];
                var v = qkv[(2 * channels + h * hs)..];
                var a = new Span<float>(job.Att + ((long)b * heads + h) * tt, tt);
                // scores = q kᵀ / √hs
                Gemm.Multiply(false, true, seqLen, seqLen, hs, scale, q, c3, k, c3, 0f, a, seqLen, single);
                for (int t = 0; t < seqLen; t++)
                {
                    var row = a.Slice(t * seqLen, seqLen);
                    int visible = job.Causal ? Math.Min(valid, t + 1) : valid;
                    row[visible..].Fill(float.NegativeInfinity);
                    Softmax.ForwardRow(row, row);
                }
                // out_h = att · v
                Gemm.Multiply(false, false, seqLen, hs, seqLen, 1f, a, seqLen, v, c3, 0f, output[(h * hs)..], channels, single);
            }
        }
    }

    private static unsafe void BackwardSamples(in Job job, int from, int to, float* scratch)
    {
        int seqLen = job.SeqLen, channels = job.Channels, hs = job.HeadSize, heads = job.Heads, c3 = 3 * channels;
        var single = GemmOptions.SingleThreaded;
        float scale = 1f / MathF.Sqrt(hs);
        int sampleQkv = seqLen * c3, sampleOut = seqLen * channels, tt = seqLen * seqLen;
        var datt = new Span<float>(scratch, tt);
        var dpre = new Span<float>(scratch + tt, tt);
        for (int b = from; b < to; b++)
        {
            var qkv = new ReadOnlySpan<float>(job.Qkv + (long)b * sampleQkv, sampleQkv);
            var dqkv = new Span<float>(job.Output + (long)b * sampleQkv, sampleQkv);
            var doutput = new ReadOnlySpan<float>(job.DOutput + (long)b * sampleOut, sampleOut);
            for (int h = 0; h < heads; h++)
            {
                int qOff = h * hs;
                var q = qkv[qOff..];
                var k = qkv[(qOff + channels)..];
                var v = qkv[(qOff + 2 * channels)..];
                var a = new ReadOnlySpan<float>(job.Att + ((long)b * heads + h) * tt, tt);
                var dout = doutput[qOff..];
                // datt = dout · vᵀ;  dv += attᵀ · dout
                Gemm.Multiply(false, true, seqLen, seqLen, hs, 1f, dout, channels, v, c3, 0f, datt, seqLen, single);
                Gemm.Multiply(true, false, seqLen, hs, seqLen, 1f, a, seqLen, dout, channels, 1f, dqkv[(qOff + 2 * channels)..], c3, single);
                // dscores = softmax backward (masked entries have att = 0, so they get no gradient)
                dpre.Clear();
                Softmax.Backward(dpre, datt, a, seqLen, seqLen);
                // dq += scale · dscores · k;  dk += scale · dscoresᵀ · q
                Gemm.Multiply(false, false, seqLen, hs, seqLen, scale, dpre, seqLen, k, c3, 1f, dqkv[qOff..], c3, single);
                Gemm.Multiply(true, false, seqLen, hs, seqLen, scale, dpre, seqLen, q, c3, 1f, dqkv[(qOff + channels)..], c3, single);
            }
        }
    }

    /// <summary>One threaded call's operands, handed to the worker pool by pointer (no allocation).</summary>
    private unsafe struct Job
    {
        public float* Output;   // forward: attention output; backward: dqkv
        public float* Att;
        public float* Qkv;
        public float* DOutput;
        public float* Scratch;
        public int* Lengths;    // null: all positions valid
        public int Batch;
        public int SeqLen;
        public int Channels;
        public int Heads;
        public int HeadSize;
        public bool Causal;
        public int Parts;
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
