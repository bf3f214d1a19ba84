namespace HFedMoE.Model.Data;

/// <summary>
/// Every split of the benchmark for one seed: the public pre-training split, the clean test
/// set and rare-only slice, and the clients' non-IID training data.
/// </summary>
public sealed record BenchmarkSplits(
    Vocabulary Vocabulary,
    IReadOnlyList<Sample> Public,
    IReadOnlyList<Sample> Test,
    IReadOnlyList<Sample> RareTest,
    IReadOnlyList<ClientPartition> Clients)
{
    public static BenchmarkSplits Generate(CorpusConfig corpus, PartitionConfig partition, ulong seed)
    {
        var generator = new CorpusGenerator(corpus);
        return new BenchmarkSplits(
            generator.Vocabulary,
            generator.PublicSplit(seed),
            generator.TestSplit(seed),
            generator.RareTestSplit(seed),
            new DirichletPartitioner(generator, partition).Partition(seed));
    }
}
