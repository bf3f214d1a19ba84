using System.Numerics.Tensors;

namespace HFedMoE.Model.Tensors;

/// <summary>
/// Token embedding plus learned absolute position embedding: out[b,t,:] = wte[token[b,t]] + wpe[t].
/// Backward is a scatter-add into both tables (a token seen twice gets both gradients).
/// </summary>
public static class Embedding
{
    // out: (B, T, C); tokens: (B, T); wte: (V, C); wpe: (maxT, C)
    public static void Forward(
        Span<float> output, ReadOnlySpan<int> tokens, ReadOnlySpan<float> tokenTable, ReadOnlySpan<float> positionTable,
        int batch, int seqLen, int channels, int vocab)
    {
        Shapes.RequireLength(tokens, batch * seqLen, "embedding tokens");
        Shapes.RequireLength(output, batch * seqLen * channels, "embedding output");
        Shapes.RequireLength(tokenTable, vocab * channels, "token table");
        Shapes.RequireLength(positionTable, seqLen * channels, "position table");
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < seqLen; t++)
            {
                int id = tokens[b * seqLen + t];
                if ((uint)id >= (uint)vocab)
                {
                    throw new ArgumentOutOfRangeException(nameof(tokens), id, $"token at [{b},{t}] is {id}; expected an id in [0, {vocab})");
                }
                TensorPrimitives.Add(
                    tokenTable.Slice(id * channels, channels),
                    positionTable.Slice(t * channels, channels),
                    output.Slice((b * seqLen + t) * channels, channels));
            }
        }
    }

    // dwte[token[b,t]] += dout[b,t];  dwpe[t] += dout[b,t]
    public static void Backward(
        Span<float> dtokenTable, Span<float> dpositionTable, ReadOnlySpan<float> doutput, ReadOnlySpan<int> tokens,
        int batch, int seqLen, int channels)
    {
        Shapes.RequireLength(doutput, batch * seqLen * channels, "embedding doutput");
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < seqLen; t++)
            {
                int id = tokens[b * seqLen + t];
                var dout = doutput.Slice((b * seqLen + t) * channels, channels);
                var dwte = dtokenTable.Slice(id * channels, channels);
                var dwpe = dpositionTable.Slice(t * channels, channels);
                TensorPrimitives.Add(dwte, dout, dwte);
                TensorPrimitives.Add(dwpe, dout, dwpe);
            }
        }
    }
}
