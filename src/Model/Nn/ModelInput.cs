namespace HFedMoE.Model.Nn;

/// <summary>Checks of a token batch against a <see cref="ModelConfig"/>, with errors naming the bad value.</summary>
internal static class ModelInput
{
    public static void Validate(ModelConfig config, ReadOnlySpan<int> tokens, int batch, int seqLen, ReadOnlySpan<int> lengths)
    {
        if (batch <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be positive");
        }
        if (seqLen <= 0 || seqLen > config.SeqLen)
        {
            throw new ArgumentOutOfRangeException(nameof(seqLen), seqLen, $"seqLen is {seqLen}; expected 1..{config.SeqLen} (ModelConfig.SeqLen)");
        }
        if (tokens.Length != batch * seqLen)
        {
            throw new ArgumentException($"tokens has {tokens.Length} entries; expected batch × seqLen = {batch} × {seqLen} = {batch * seqLen}");
        }
        if (!lengths.IsEmpty)
        {
            if (lengths.Length != batch)
            {
                throw new ArgumentException($"lengths has {lengths.Length} entries; expected one per sample ({batch})");
            }
            for (int b = 0; b < batch; b++)
            {
                if (lengths[b] < 1 || lengths[b] > seqLen)
                {
                    throw new ArgumentOutOfRangeException(nameof(lengths), lengths[b], $"length of sample {b} is {lengths[b]}; expected 1..{seqLen}");
                }
            }
        }
        for (int i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] >= (uint)config.Vocab)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), tokens[i], $"token {i} is {tokens[i]}; expected an id in [0, {config.Vocab})");
            }
        }
    }
}
