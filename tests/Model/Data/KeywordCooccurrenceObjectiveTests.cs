using HFedMoE.Model.Data;
using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Tests.Data;

public sealed class KeywordCooccurrenceObjectiveTests
{
    private static readonly CorpusGenerator Generator = new(new CorpusConfig { PublicSize = 512 });

    [Fact]
    public void EveryKeyword_IsScoredAgainstAnotherKeywordOfTheSameRow_AndInputsStayUnmasked()
    {
        var vocab = Generator.Vocabulary;
        var data = new Dataset(Generator.PublicSplit(1));
        var batch = data.Collate(Enumerable.Range(0, data.Count).ToArray());
        var prepared = new KeywordCooccurrenceObjective(vocab).Apply(batch, new DeterministicRandom(2));

        Assert.Equal(batch.Tokens, prepared.Inputs.Tokens);
        Assert.All(prepared.Inputs.Labels, l => Assert.Equal(PretrainingObjective.Ignore, l));
        long sameSubTopic = 0, scored = 0;
        for (int r = 0; r < batch.Size; r++)
        {
            var row = batch.Row(r).ToArray();
            var keywords = row.Where(t => vocab.KindOf(t) == TokenKind.Keyword).ToList();
            for (int p = 0; p < batch.Length; p++)
            {
                int target = prepared.Targets[r * batch.Length + p];
                bool isKeyword = vocab.KindOf(row[p]) == TokenKind.Keyword;
                if (!isKeyword || keywords.Count < 2)
                {
                    Assert.Equal(PretrainingObjective.Ignore, target);
                    continue;
                }
                Assert.Contains(target, keywords);
                scored++;
                sameSubTopic += vocab.SubTopicOf(target) == vocab.SubTopicOf(row[p]) ? 1 : 0;
            }
        }
        Assert.True(scored > 2000);
        // Both ends are own-sub-topic keywords unless either is a confuser (10% each): ≈ 0.81.
        Assert.InRange(sameSubTopic / (double)scored, 0.76, 0.86);
    }

    [Fact]
    public void ARowWithOneKeyword_HasNoTarget()
    {
        var vocab = Generator.Vocabulary;
        int[] tokens = [vocab.Background(0), vocab.Keyword(3, 1), vocab.StyleToken(0, 0)];
        int[] targets = new int[3];
        new KeywordCooccurrenceObjective(vocab).ApplyRow(tokens, targets, new DeterministicRandom(1));
        Assert.All(targets, t => Assert.Equal(PretrainingObjective.Ignore, t));
    }

    [Fact]
    public void ApplyRow_RejectsTargetsOfTheWrongLength()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new MaskedKeywordObjective(Generator.Vocabulary).ApplyRow(new int[4], new int[3], new DeterministicRandom(1)));
        Assert.Contains("expected one per token (4)", e.Message);
    }
}
