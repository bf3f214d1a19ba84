using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Data;

/// <summary>
/// Keyword co-occurrence pre-training (skip-gram in small): every keyword position is scored
/// against another keyword of the same text, drawn uniformly, with the input left unmasked.
/// A keyword's own representation must then predict its sub-topic's keywords, which needs no
/// attention: the per-token path (embedding, experts, LM head) learns to group keywords by
/// sub-topic, and routing follows. Rows with fewer than two keywords contribute nothing.
/// </summary>
public sealed class KeywordCooccurrenceObjective : PretrainingObjective
{
    public KeywordCooccurrenceObjective(Vocabulary vocabulary)
        : base(vocabulary)
    {
    }

    public override string Name => "cooccurrence";

    protected override void PrepareRow(Span<int> tokens, Span<int> targets, DeterministicRandom rng)
    {
        Span<int> positions = tokens.Length <= 256 ? stackalloc int[tokens.Length] : new int[tokens.Length];
        int count = 0;
        for (int p = 0; p < tokens.Length; p++)
        {
            if (Vocabulary.KindOf(tokens[p]) == TokenKind.Keyword)
            {
                positions[count++] = p;
            }
        }
        if (count < 2)
        {
            return;
        }
        for (int i = 0; i < count; i++)
        {
            int j = rng.NextInt(count - 1);
            j += j >= i ? 1 : 0;
            targets[positions[i]] = tokens[positions[j]];
        }
    }
}
