using HFedMoE.Model.Data;

namespace HFedMoE.Model.Tests.Data;

public sealed class CorpusGeneratorTests
{
    private static readonly CorpusConfig Config = new();
    private static readonly CorpusGenerator Generator = new(Config);

    [Fact]
    public void SameSeed_GivesTheSameBytes_DifferentSeedsDiffer()
    {
        var partition = new PartitionConfig { Clients = 5, SamplesPerClient = 50 };
        string a = DataFingerprint.Of(BenchmarkSplits.Generate(Config, partition, 7));
        string b = DataFingerprint.Of(BenchmarkSplits.Generate(Config, partition, 7));
        string c = DataFingerprint.Of(BenchmarkSplits.Generate(Config, partition, 11));

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Fingerprint_IsPinned_SoRecordedResultsStayReproducible()
    {
        // If this changes, the generator (or DeterministicRandom) changed: results recorded with
        // earlier builds no longer refer to the same data. Update it only on purpose.
        // Unlike a model digest this pin does not move between machines: the data are integers drawn
        // by SplitMix64, and the only floating point on the way (Dirichlet and Zipf weights) is scalar
        // double arithmetic through glibc's libm, with no vectorised or width-dependent path.
        var small = new CorpusConfig { PublicSize = 20, TestSize = 20, RareTestSize = 8 };
        var splits = BenchmarkSplits.Generate(small, new PartitionConfig { Clients = 2, SamplesPerClient = 10 }, 7);
        Assert.Equal(PinnedFingerprint, DataFingerprint.Of(splits));
    }

    private const string PinnedFingerprint = "134272b1059d15f024ab6f4a91eb214d560442e8360721b666d1ece0dbb39acc";

    [Fact]
    public void Splits_DoNotDependOnEachOther()
    {
        var few = BenchmarkSplits.Generate(Config with { PublicSize = 10 }, new PartitionConfig { Clients = 2, SamplesPerClient = 20 }, 3);
        var many = BenchmarkSplits.Generate(Config with { PublicSize = 10 }, new PartitionConfig { Clients = 6, SamplesPerClient = 20 }, 3);

        Assert.Equal(DataFingerprint.Of(few.Test), DataFingerprint.Of(many.Test));
        Assert.Equal(DataFingerprint.Of(few.Public), DataFingerprint.Of(many.Public));
        Assert.Equal(DataFingerprint.Of(few.Clients[1].Samples), DataFingerprint.Of(many.Clients[1].Samples));
    }

    [Fact]
    public void TokenProportions_MatchTheConfiguredProbabilities()
    {
        var samples = Generator.PublicSplit(1);
        var vocab = Generator.Vocabulary;
        long keyword = 0, style = 0, background = 0, confuser = 0, wrongStyle = 0, wrongSubTopic = 0;
        foreach (var s in samples)
        {
            Assert.Equal(32, s.Tokens.Length);
            foreach (int t in s.Tokens)
            {
                switch (vocab.KindOf(t))
                {
                    case TokenKind.Keyword:
                        keyword++;
                        if (vocab.TopicOf(t) != s.Topic)
                        {
                            confuser++;
                        }
                        else if (vocab.SubTopicOf(t) != s.SubTopic)
                        {
                            wrongSubTopic++;
                        }
                        break;
                    case TokenKind.Style:
                        style++;
                        wrongStyle += vocab.StyleOf(t) != s.Style ? 1 : 0;
                        break;
                    case TokenKind.Background:
                        background++;
                        break;
                    default:
                        Assert.Fail($"special token {t} in generated text");
                        break;
                }
            }
        }
        double total = samples.Count * 32.0;
        Assert.InRange(keyword / total, 0.145, 0.155);
        Assert.InRange(style / total, 0.295, 0.305);
        Assert.InRange(background / total, 0.545, 0.555);
        Assert.InRange((double)confuser / keyword, 0.09, 0.11);
        Assert.Equal(0, wrongStyle);
        Assert.Equal(0, wrongSubTopic);
    }

    [Fact]
    public void Background_FollowsZipf()
    {
        var vocab = Generator.Vocabulary;
        long[] counts = new long[vocab.BackgroundCount];
        foreach (var s in Generator.PublicSplit(2))
        {
            foreach (int t in s.Tokens)
            {
                if (vocab.KindOf(t) == TokenKind.Background)
                {
                    counts[t - vocab.BackgroundStart]++;
                }
            }
        }
        // Zipf(1.1): p(rank 0) / p(rank 1) = 2^1.1 ≈ 2.14, p(rank 0) / p(rank 9) = 10^1.1 ≈ 12.6.
        Assert.InRange((double)counts[0] / counts[1], 1.95, 2.35);
        Assert.InRange((double)counts[0] / counts[9], 10.5, 15.0);
        Assert.True(counts[^1] < counts[0] / 500);
    }

    [Fact]
    public void PublicSplit_HasTenPercentRare_AndNoLabelNoise()
    {
        var samples = Generator.PublicSplit(3);
        Assert.Equal(8000, samples.Count);
        Assert.InRange(samples.Count(s => s.IsRare) / 8000.0, 0.09, 0.11);
        Assert.All(samples, s => Assert.Equal(s.Topic, s.Label));
        Assert.All(samples, s => Assert.Equal(s.IsRare, s.SubTopic % 2 == 1));
    }

    [Fact]
    public void TestSplit_IsExactlyBalanced_Clean_AndTenPercentRare()
    {
        var test = Generator.TestSplit(4);
        Assert.Equal(2000, test.Count);
        Assert.All(Enumerable.Range(0, 4), t => Assert.Equal(500, test.Count(s => s.Topic == t)));
        Assert.All(Enumerable.Range(0, 4), t => Assert.Equal(50, test.Count(s => s.Topic == t && s.IsRare)));
        Assert.All(Enumerable.Range(0, 4), st => Assert.Equal(500, test.Count(s => s.Style == st)));
        Assert.All(test, s => Assert.False(s.IsNoisy));
        // Shuffled, not grouped by topic.
        Assert.True(test.Take(100).Select(s => s.Topic).Distinct().Count() == 4);
    }

    [Fact]
    public void RareSlice_IsRareOnly_Balanced_AndClean()
    {
        var rare = Generator.RareTestSplit(5);
        Assert.Equal(800, rare.Count);
        Assert.All(rare, s => Assert.True(s.IsRare));
        Assert.All(rare, s => Assert.False(s.IsNoisy));
        Assert.All(Enumerable.Range(0, 4), t => Assert.Equal(200, rare.Count(s => s.Topic == t)));
    }

    [Fact]
    public void ClientData_HasAboutFivePercentLabelNoise_OnOtherTopics()
    {
        var clients = new DirichletPartitioner(Generator, new PartitionConfig()).Partition(6);
        var all = clients.SelectMany(c => c.Samples).ToList();
        Assert.Equal(6000, all.Count);
        Assert.InRange(all.Count(s => s.IsNoisy) / 6000.0, 0.04, 0.06);
        Assert.All(all, s => Assert.InRange(s.Label, 0, 3));
    }

    [Fact]
    public void DirichletAlphaPointOne_IsSkewed_AlphaHundred_IsNearUniform()
    {
        static double MeanLargestTopicShare(IReadOnlyList<ClientPartition> clients) =>
            clients.Average(c => Enumerable.Range(0, 4).Max(t => c.Samples.Count(s => s.Topic == t)) / (double)c.Samples.Count);

        var partition = new PartitionConfig { Clients = 20, SamplesPerClient = 200 };
        var skewed = new DirichletPartitioner(Generator, partition with { DirichletAlpha = 0.1 }).Partition(8);
        var uniform = new DirichletPartitioner(Generator, partition with { DirichletAlpha = 100 }).Partition(8);

        Assert.True(MeanLargestTopicShare(skewed) > 0.75, $"α=0.1: mean largest topic share {MeanLargestTopicShare(skewed):F3}");
        Assert.True(MeanLargestTopicShare(uniform) < 0.36, $"α=100: mean largest topic share {MeanLargestTopicShare(uniform):F3}");
        Assert.All(skewed.Concat(uniform), c => Assert.Equal(1.0, c.TopicProportions.Sum(), 9));
    }

    [Fact]
    public void EachClient_WritesSeventyPercentInItsDominantStyle()
    {
        var clients = new DirichletPartitioner(Generator, new PartitionConfig()).Partition(9);
        Assert.Equal(Enumerable.Range(0, 20).Select(c => c % 4), clients.Select(c => c.DominantStyle));
        double share = clients.Sum(c => c.Samples.Count(s => s.Style == c.DominantStyle)) / 6000.0;
        Assert.InRange(share, 0.68, 0.72);
        // The other styles are spread evenly.
        var others = clients.SelectMany(c => c.Samples.Where(s => s.Style != c.DominantStyle).Select(s => (s.Style - c.DominantStyle + 4) % 4)).ToList();
        Assert.All(Enumerable.Range(1, 3), d => Assert.InRange(others.Count(o => o == d) / (double)others.Count, 0.30, 0.37));
    }

    [Fact]
    public void InvalidPartition_FailsNamingTheSetting()
    {
        var e = Assert.Throws<ArgumentException>(() => new DirichletPartitioner(Generator, new PartitionConfig { DirichletAlpha = 0 }));
        Assert.Contains("DirichletAlpha = 0", e.Message);
    }
}
