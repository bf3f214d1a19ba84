using HFedMoE.Model.Data;
using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Tests.Data;

public sealed class MaskedKeywordObjectiveTests
{
    private static readonly CorpusGenerator Generator = new(new CorpusConfig { PublicSize = 512 });

    private static PretrainingBatch Masked(ulong seed, double fraction = 0.5)
    {
        var data = new Dataset(Generator.PublicSplit(1));
        var batch = data.Collate(Enumerable.Range(0, data.Count).ToArray());
        return new MaskedKeywordObjective(Generator.Vocabulary, fraction).Apply(batch, new DeterministicRandom(seed));
    }

    [Fact]
    public void OnlyKeywordPositions_AreMasked_AndTargetsAreTheHiddenTokens()
    {
        var data = new Dataset(Generator.PublicSplit(1));
        var original = data.Collate(Enumerable.Range(0, data.Count).ToArray());
        var masked = Masked(3);
        var vocab = Generator.Vocabulary;

        for (int i = 0; i < original.Tokens.Length; i++)
        {
            int target = masked.Targets[i];
            if (target == PretrainingObjective.Ignore)
            {
                Assert.Equal(original.Tokens[i], masked.Inputs.Tokens[i]);
            }
            else
            {
                Assert.Equal(TokenKind.Keyword, vocab.KindOf(original.Tokens[i]));
                Assert.Equal(original.Tokens[i], target);
                Assert.Equal(Vocabulary.Mask, masked.Inputs.Tokens[i]);
            }
        }
    }

    [Fact]
    public void TopicLabels_AreNotPassedOn()
    {
        var masked = Masked(4);
        Assert.All(masked.Inputs.Labels, l => Assert.Equal(PretrainingObjective.Ignore, l));
        Assert.All(masked.Targets.Where(t => t != PretrainingObjective.Ignore),
            t => Assert.Equal(TokenKind.Keyword, Generator.Vocabulary.KindOf(t)));
    }

    [Fact]
    public void EveryRowWithKeywords_HasATarget_AndTheMaskRateIsNearTheFraction()
    {
        var data = new Dataset(Generator.PublicSplit(1));
        var masked = Masked(5);
        var vocab = Generator.Vocabulary;
        long keywords = 0;
        for (int r = 0; r < masked.Inputs.Size; r++)
        {
            int rowKeywords = data[masked.Inputs.SampleIndices[r]].Tokens.Count(t => vocab.KindOf(t) == TokenKind.Keyword);
            keywords += rowKeywords;
            int rowTargets = masked.Targets.AsSpan(r * masked.Inputs.Length, masked.Inputs.Length).ToArray().Count(t => t != PretrainingObjective.Ignore);
            Assert.True(rowKeywords == 0 || rowTargets >= 1, $"row {r} has {rowKeywords} keywords but no target");
        }
        // 0.5 plus the rows where the guaranteed single mask kicks in.
        Assert.InRange(masked.TargetCount / (double)keywords, 0.5, 0.6);
    }

    [Fact]
    public void SameRandomStream_GivesTheSameMasks()
    {
        Assert.Equal(Masked(6).Targets, Masked(6).Targets);
        Assert.NotEqual(Masked(6).Targets, Masked(7).Targets);
    }

    [Fact]
    public void PaddingIsNeverMasked()
    {
        var vocab = Generator.Vocabulary;
        var data = new Dataset([
            new Sample([vocab.Keyword(0, 1), vocab.Keyword(0, 2)], 0, 0, 0, false, 0),
            new Sample([vocab.Keyword(2, 3), vocab.Background(0), vocab.Keyword(2, 4), vocab.Keyword(2, 5)], 1, 1, 2, false, 0),
        ]);
        var masked = new MaskedKeywordObjective(vocab, 1.0).Apply(data.Collate([0, 1]), new DeterministicRandom(1));
        Assert.Equal([vocab.Keyword(0, 1), vocab.Keyword(0, 2), -1, -1, vocab.Keyword(2, 3), -1, vocab.Keyword(2, 4), vocab.Keyword(2, 5)], masked.Targets);
        Assert.Equal(Vocabulary.Pad, masked.Inputs.Tokens[2]);
    }
}
