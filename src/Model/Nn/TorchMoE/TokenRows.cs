using static TorchSharp.torch;

namespace HFedMoE.Model.Nn.TorchMoE;

/// <summary>
/// Which rows of a flattened (B·T) batch are real tokens, computed once per forward and shared by
/// every layer: samples are right-padded, padding rows are not routed, attended to or pooled.
/// </summary>
internal sealed class TokenRows : IDisposable
{
    public TokenRows(ReadOnlySpan<int> lengths, int batch, int seqLen, bool causal, ScalarType dtype, Device device)
    {
        Batch = batch;
        SeqLen = seqLen;
        Lengths = new int[batch];
        var rows = new List<long>(batch * seqLen);
        var sampleOf = new List<long>(batch * seqLen);
        var inverse = new double[batch];
        for (int b = 0; b < batch; b++)
        {
            int len = lengths.IsEmpty ? seqLen : lengths[b];
            Lengths[b] = len;
            inverse[b] = 1.0 / len;
            for (int t = 0; t < len; t++)
            {
                rows.Add((long)b * seqLen + t);
                sampleOf.Add(b);
            }
        }
        RowOfValid = [.. rows];
        Padded = RowOfValid.Length < batch * seqLen;
        ValidRows = Padded ? tensor(RowOfValid, device: device) : null;
        SampleOfValid = tensor([.. sampleOf], device: device);
        InverseLength = tensor(inverse, [batch, 1], dtype: dtype, device: device);
        Visible = VisibleKeys(causal, device);
    }

    public int Batch { get; }

    public int SeqLen { get; }

    public int[] Lengths { get; }

    /// <summary>Valid tokens in the batch.</summary>
    public int ValidCount => RowOfValid.Length;

    /// <summary>True when some sample is shorter than the sequence length.</summary>
    public bool Padded { get; }

    /// <summary>Global row (b·T + t) of each valid token, in order.</summary>
    public long[] RowOfValid { get; }

    /// <summary>The same as a tensor; null when no sample is padded (every row is valid).</summary>
    public Tensor? ValidRows { get; }

    /// <summary>(valid) the sample each valid token belongs to.</summary>
    public Tensor SampleOfValid { get; }

    /// <summary>(B, 1) 1 / length of each sample, for means over a sample's tokens.</summary>
    public Tensor InverseLength { get; }

    /// <summary>(B, 1, T, T) attention mask, true = may attend; null when every key is visible.</summary>
    public Tensor? Visible { get; }

    public void Dispose()
    {
        ValidRows?.Dispose();
        SampleOfValid.Dispose();
        InverseLength.Dispose();
        Visible?.Dispose();
    }

    private Tensor? VisibleKeys(bool causal, Device device)
    {
        if (!causal && !Padded)
        {
            return null;
        }
        int t = SeqLen;
        var mask = new bool[Batch * t * t];
        for (int b = 0; b < Batch; b++)
        {
            for (int q = 0; q < t; q++)
            {
                int visible = causal ? Math.Min(Lengths[b], q + 1) : Lengths[b];
                mask.AsSpan((b * t + q) * t, visible).Fill(true);
            }
        }
        return tensor(mask, [Batch, 1, t, t], device: device);
    }
}
