using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Data;

/// <summary>
/// Draws samples of the topic benchmark: each of the <see cref="CorpusConfig.SequenceLength"/>
/// slots is a keyword of the sample's sub-topic (with probability KeywordProbability; a
/// ConfuserFraction of those borrow another topic's keyword instead), a token of the sample's
/// style (StyleProbability), or a Zipf-distributed background token. Every split is a pure
/// function of the seed.
/// </summary>
public sealed class CorpusGenerator
{
    private readonly ZipfDistribution _background;

    public CorpusGenerator(CorpusConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config.Validate();
        Vocabulary = new Vocabulary(config);
        _background = new ZipfDistribution(Vocabulary.BackgroundCount, config.BackgroundZipfExponent);
    }

    public CorpusConfig Config { get; }

    public Vocabulary Vocabulary { get; }

    /// <summary>Local sub-topic by its prior: 0 (common) with probability 1 − RareFraction, else a rare one.</summary>
    public int SampleLocalSubTopic(DeterministicRandom rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (Config.RareSubTopicsPerTopic == 0 || rng.NextDouble() >= Config.RareFraction)
        {
            return 0;
        }
        return 1 + rng.NextInt(Config.RareSubTopicsPerTopic);
    }

    /// <summary>A clean sample (label = topic) of the given topic, local sub-topic and style.</summary>
    public Sample Generate(DeterministicRandom rng, int topic, int localSubTopic, int style)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int subTopic = Vocabulary.SubTopicIndex(topic, localSubTopic);
        if ((uint)style >= (uint)Config.Styles)
        {
            throw new ArgumentOutOfRangeException(nameof(style), style, $"style must be in 0..{Config.Styles - 1}");
        }
        var c = Config;
        int[] tokens = new int[c.SequenceLength];
        for (int p = 0; p < tokens.Length; p++)
        {
            double u = rng.NextDouble();
            if (u < c.KeywordProbability)
            {
                int source = subTopic;
                if (rng.NextDouble() < c.ConfuserFraction)
                {
                    int other = rng.NextInt(c.Topics - 1);
                    other += other >= topic ? 1 : 0;
                    source = Vocabulary.SubTopicIndex(other, SampleLocalSubTopic(rng));
                }
                tokens[p] = Vocabulary.Keyword(source, rng.NextInt(c.KeywordsPerSubTopic));
            }
            else if (u < c.KeywordProbability + c.StyleProbability)
            {
                tokens[p] = Vocabulary.StyleToken(style, rng.NextInt(c.TokensPerStyle));
            }
            else
            {
                tokens[p] = Vocabulary.Background(_background.Sample(rng));
            }
        }
        return new Sample(tokens, topic, topic, subTopic, localSubTopic > 0, style);
    }

    /// <summary>With probability LabelNoise, the same sample labelled with another topic drawn uniformly.</summary>
    public Sample WithLabelNoise(DeterministicRandom rng, Sample sample)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentNullException.ThrowIfNull(sample);
        if (rng.NextDouble() >= Config.LabelNoise)
        {
            return sample;
        }
        int other = rng.NextInt(Config.Topics - 1);
        other += other >= sample.Topic ? 1 : 0;
        return sample with { Label = other };
    }

    /// <summary>The public pre-training split: topics and styles uniform, sub-topics by their prior, clean.</summary>
    public IReadOnlyList<Sample> PublicSplit(ulong seed)
    {
        var rng = new DeterministicRandom(SeedStreams.Derive(seed, SeedStreams.Public));
        var samples = new Sample[Config.PublicSize];
        for (int i = 0; i < samples.Length; i++)
        {
            int topic = rng.NextInt(Config.Topics);
            int sub = SampleLocalSubTopic(rng);
            samples[i] = Generate(rng, topic, sub, rng.NextInt(Config.Styles));
        }
        return samples;
    }

    /// <summary>
    /// The clean test set: exactly balanced over topics, exactly RareFraction rare within each
    /// topic, styles balanced, in shuffled order.
    /// </summary>
    public IReadOnlyList<Sample> TestSplit(ulong seed) =>
        Stratified(new DeterministicRandom(SeedStreams.Derive(seed, SeedStreams.Test)), Config.TestSize, Config.RareFraction);

    /// <summary>The clean rare-only slice: balanced over topics and their rare sub-topics.</summary>
    public IReadOnlyList<Sample> RareTestSplit(ulong seed) =>
        Stratified(new DeterministicRandom(SeedStreams.Derive(seed, SeedStreams.RareTest)), Config.RareTestSize, 1.0);

    private List<Sample> Stratified(DeterministicRandom rng, int size, double rareFraction)
    {
        var cells = new List<(int Topic, int Sub, int Style)>(size);
        for (int t = 0; t < Config.Topics; t++)
        {
            int perTopic = size / Config.Topics + (t < size % Config.Topics ? 1 : 0);
            int rare = Config.RareSubTopicsPerTopic == 0 ? 0 : (int)Math.Round(perTopic * rareFraction, MidpointRounding.AwayFromZero);
            for (int i = 0; i < perTopic; i++)
            {
                int sub = i < perTopic - rare ? 0 : 1 + (i - (perTopic - rare)) % Config.RareSubTopicsPerTopic;
                cells.Add((t, sub, cells.Count % Config.Styles));
            }
        }
        Shuffle(rng, cells);
        var samples = new List<Sample>(size);
        foreach (var (topic, sub, style) in cells)
        {
            samples.Add(Generate(rng, topic, sub, style));
        }
        return samples;
    }

    internal static void Shuffle<T>(DeterministicRandom rng, IList<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
