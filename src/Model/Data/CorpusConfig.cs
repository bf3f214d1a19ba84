namespace HFedMoE.Model.Data;

/// <summary>
/// The generated topic benchmark (ALGORITHM.md §5). Defaults are the calibrated ones: change
/// them only to make the task easier or harder on purpose (see the doc for what each extreme
/// does to the comparison).
/// </summary>
public sealed record CorpusConfig
{
    /// <summary>Total vocabulary, special tokens included; what is left after keywords and style tokens is background.</summary>
    public int VocabularySize { get; init; } = 2000;

    public int Topics { get; init; } = 4;

    /// <summary>Sub-topic 0 of each topic is common; sub-topics 1.. are rare and share <see cref="RareFraction"/>.</summary>
    public int SubTopicsPerTopic { get; init; } = 2;

    public double RareFraction { get; init; } = 0.10;

    public int KeywordsPerSubTopic { get; init; } = 40;

    public int Styles { get; init; } = 4;

    public int TokensPerStyle { get; init; } = 100;

    public double BackgroundZipfExponent { get; init; } = 1.1;

    public int SequenceLength { get; init; } = 32;

    public double KeywordProbability { get; init; } = 0.15;

    public double StyleProbability { get; init; } = 0.30;

    /// <summary>Share of keyword slots that borrow a keyword of another topic.</summary>
    public double ConfuserFraction { get; init; } = 0.10;

    /// <summary>Share of client training labels replaced by another topic; test and public data stay clean.</summary>
    public double LabelNoise { get; init; } = 0.05;

    public int TestSize { get; init; } = 2000;

    public int RareTestSize { get; init; } = 800;

    /// <summary>Size of the public split used only for pre-training.</summary>
    public int PublicSize { get; init; } = 8000;

    public int SubTopics => Topics * SubTopicsPerTopic;

    public int RareSubTopicsPerTopic => SubTopicsPerTopic - 1;

    /// <summary>Throws naming the first invalid setting and the range it must lie in.</summary>
    public CorpusConfig Validate()
    {
        Require(Topics >= 2, nameof(Topics), Topics, ">= 2 (confusers borrow from another topic)");
        Require(SubTopicsPerTopic >= 1, nameof(SubTopicsPerTopic), SubTopicsPerTopic, ">= 1");
        Require(RareFraction is >= 0 and < 1, nameof(RareFraction), RareFraction, "in [0, 1)");
        Require(SubTopicsPerTopic > 1 || RareFraction == 0, nameof(RareFraction), RareFraction, "0 when there are no rare sub-topics (SubTopicsPerTopic = 1)");
        Require(KeywordsPerSubTopic >= 1, nameof(KeywordsPerSubTopic), KeywordsPerSubTopic, ">= 1");
        Require(Styles >= 1, nameof(Styles), Styles, ">= 1");
        Require(TokensPerStyle >= 1, nameof(TokensPerStyle), TokensPerStyle, ">= 1");
        Require(BackgroundZipfExponent >= 0 && double.IsFinite(BackgroundZipfExponent), nameof(BackgroundZipfExponent), BackgroundZipfExponent, "a finite value >= 0");
        Require(SequenceLength >= 1, nameof(SequenceLength), SequenceLength, ">= 1");
        Require(KeywordProbability is >= 0 and <= 1, nameof(KeywordProbability), KeywordProbability, "in [0, 1]");
        Require(StyleProbability is >= 0 and <= 1, nameof(StyleProbability), StyleProbability, "in [0, 1]");
        Require(KeywordProbability + StyleProbability <= 1, "KeywordProbability + StyleProbability", KeywordProbability + StyleProbability, "<= 1");
        Require(ConfuserFraction is >= 0 and <= 1, nameof(ConfuserFraction), ConfuserFraction, "in [0, 1]");
        Require(LabelNoise is >= 0 and <= 1, nameof(LabelNoise), LabelNoise, "in [0, 1]");
        Require(TestSize >= 0, nameof(TestSize), TestSize, ">= 0");
        Require(RareTestSize >= 0, nameof(RareTestSize), RareTestSize, ">= 0");
        Require(RareTestSize == 0 || SubTopicsPerTopic > 1, nameof(RareTestSize), RareTestSize, "0 when there are no rare sub-topics");
        Require(PublicSize >= 0, nameof(PublicSize), PublicSize, ">= 0");
        int needed = Vocabulary.SpecialCount + SubTopics * KeywordsPerSubTopic + Styles * TokensPerStyle + 1;
        Require(VocabularySize >= needed, nameof(VocabularySize), VocabularySize,
            $">= {needed} ({Vocabulary.SpecialCount} special + {SubTopics * KeywordsPerSubTopic} keyword + {Styles * TokensPerStyle} style tokens + at least 1 background)");
        return this;
    }

    private static void Require(bool ok, string name, object value, string expected)
    {
        if (!ok)
        {
            throw new ArgumentException($"corpus setting {name} = {value} is invalid; it must be {expected}");
        }
    }
}
