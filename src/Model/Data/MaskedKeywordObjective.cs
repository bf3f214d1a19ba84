using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Data;

/// <summary>
/// Masked-keyword pre-training: hide some keyword positions behind [MASK] and predict the
/// hidden keyword (BERT's objective restricted to keywords). Predicting a sub-topic's keyword
/// from the others rewards representing, and so routing, by sub-topic. The hidden position
/// itself sees only [MASK] and its position, so the model needs a context-mixing layer
/// (attention) to use the other keywords; without one, see <see cref="KeywordCooccurrenceObjective"/>.
/// Non-keyword positions are never targets.
/// </summary>
public sealed class MaskedKeywordObjective : PretrainingObjective
{
    /// <param name="maskFraction">Chance that each keyword position is masked; a row with
    /// keywords always gets at least one, so every row contributes to the loss.</param>
    public MaskedKeywordObjective(Vocabulary vocabulary, double maskFraction = 0.5)
        : base(vocabulary)
    {
        if (!(maskFraction > 0 && maskFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(maskFraction), maskFraction, "mask fraction must be in (0, 1]");
        }
        MaskFraction = maskFraction;
    }

    public double MaskFraction { get; }

    public override string Name => "masked";

    protected override void PrepareRow(Span<int> tokens, Span<int> targets, DeterministicRandom rng)
    {
        int keywords = 0;
        int masked = 0;
        for (int p = 0; p < tokens.Length; p++)
        {
            if (Vocabulary.KindOf(tokens[p]) != TokenKind.Keyword)
            {
                continue;
            }
            keywords++;
            if (rng.NextDouble() < MaskFraction)
            {
                targets[p] = tokens[p];
                tokens[p] = Data.Vocabulary.Mask;
                masked++;
            }
        }
        if (keywords > 0 && masked == 0)
        {
            int pick = rng.NextInt(keywords);
            for (int p = 0; p < tokens.Length; p++)
            {
                if (Vocabulary.KindOf(tokens[p]) == TokenKind.Keyword && pick-- == 0)
                {
                    targets[p] = tokens[p];
                    tokens[p] = Data.Vocabulary.Mask;
                    break;
                }
            }
        }
    }
}
