using HFedMoE.Model.Data;

namespace HFedMoE.Model.Tests.Data;

public sealed class VocabularyTests
{
    private readonly Vocabulary _vocab = new(new CorpusConfig());

    [Fact]
    public void DefaultLayout_HasSpecialsKeywordsStylesThenBackground()
    {
        Assert.Equal(2000, _vocab.Size);
        Assert.Equal(0, Vocabulary.Pad);
        Assert.Equal(4 * 2 * 40, _vocab.KeywordCount);
        Assert.Equal(4 + 320, _vocab.StyleStart);
        Assert.Equal(4 + 320 + 400, _vocab.BackgroundStart);
        Assert.Equal(2000 - 724, _vocab.BackgroundCount);
    }

    [Fact]
    public void ReadableNames_MatchTheDocumentedForm()
    {
        int kw = _vocab.Keyword(_vocab.SubTopicIndex(2, 1), 17);
        Assert.Equal("kw:t2s1:17", _vocab.TokenName(kw));
        Assert.Equal(5, _vocab.SubTopicOf(kw));
        Assert.Equal(2, _vocab.TopicOf(kw));
        Assert.Equal("style:3:42", _vocab.TokenName(_vocab.StyleToken(3, 42)));
        Assert.Equal(3, _vocab.StyleOf(_vocab.StyleToken(3, 42)));
        Assert.Equal("bg:123", _vocab.TokenName(_vocab.Background(123)));
        Assert.Equal("[PAD]", _vocab.TokenName(Vocabulary.Pad));
        Assert.Equal("[MASK]", _vocab.TokenName(Vocabulary.Mask));
        Assert.Equal(-1, _vocab.SubTopicOf(_vocab.Background(0)));
    }

    [Fact]
    public void EveryId_RoundTripsThroughItsName()
    {
        for (int id = 0; id < _vocab.Size; id++)
        {
            Assert.True(_vocab.TryGetId(_vocab.TokenName(id), out int back), _vocab.TokenName(id));
            Assert.Equal(id, back);
        }
    }

    [Fact]
    public void EncodeDecode_RoundTrips_AndUnknownNamesBecomeUnk()
    {
        const string text = "[CLS] kw:t0s0:0 style:1:99 bg:1275 [MASK] kw:t3s1:39";
        int[] ids = _vocab.Encode(text);
        Assert.Equal(text, _vocab.Decode(ids));

        int[] odd = _vocab.Encode("  bg:1276 kw:t4s0:0 kw:t0s2:0 style:0:100 hello bg:-1 bg:0 ");
        Assert.Equal([3, 3, 3, 3, 3, 3, _vocab.Background(0)], odd);
    }

    [Fact]
    public void OutOfRangeIds_FailNamingTheRange()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _vocab.TokenName(2000));
        Assert.Contains("0..1999", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => _vocab.Keyword(8, 0));
    }

    [Fact]
    public void TooSmallVocabulary_FailsNamingTheSettingAndTheMinimum()
    {
        var e = Assert.Throws<ArgumentException>(() => new Vocabulary(new CorpusConfig { VocabularySize = 724 }));
        Assert.Contains("VocabularySize = 724", e.Message);
        Assert.Contains(">= 725", e.Message);
    }

    [Fact]
    public void InvalidProbabilities_FailNamingTheSetting()
    {
        var e = Assert.Throws<ArgumentException>(() => new CorpusConfig { KeywordProbability = 0.8, StyleProbability = 0.3 }.Validate());
        Assert.Contains("KeywordProbability + StyleProbability", e.Message);
    }
}
