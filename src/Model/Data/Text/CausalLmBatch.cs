namespace HFedMoE.Model.Data.Text;

/// <summary>
/// Sequences right-padded to the longest: ids (B·T, pad id at padded positions), labels
/// (−100 at padded positions and over prompts), and each row's real length.
/// </summary>
public sealed record CausalLmBatch(long[] Ids, long[] Labels, int[] Lengths, int Size, int Length)
{
    public static CausalLmBatch Pad(IReadOnlyList<CausalLmSequence> sequences, int padId)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0)
        {
            throw new ArgumentException("a batch needs at least one sequence", nameof(sequences));
        }
        int t = Math.Max(2, sequences.Max(s => s.Ids.Length));
        int b = sequences.Count;
        var ids = new long[b * t];
        var labels = new long[b * t];
        var lengths = new int[b];
        for (int i = 0; i < b; i++)
        {
            var s = sequences[i];
            lengths[i] = s.Ids.Length;
            for (int j = 0; j < t; j++)
            {
                bool real = j < s.Ids.Length;
                ids[i * t + j] = real ? s.Ids[j] : padId;
                labels[i * t + j] = real ? s.Labels[j] : CausalLmSequence.Ignore;
            }
        }
        return new CausalLmBatch(ids, labels, lengths, b, t);
    }
}
