using HFedMoE.Model.Data;

namespace HFedMoE.Model.Tests.Data;

public sealed class DatasetTests
{
    private static Dataset Numbered(int count) =>
        new(Enumerable.Range(0, count).Select(i => new Sample(Enumerable.Repeat(10 + i, 1 + i % 3).ToArray(), i % 4, i % 4, 0, false, 0)).ToList());

    [Fact]
    public void Collate_PadsToTheLongestRow_AndRecordsLengthsAndLabels()
    {
        var batch = Numbered(6).Collate([0, 2, 4]);

        Assert.Equal(3, batch.Size);
        Assert.Equal(3, batch.Length);
        Assert.Equal([10, 0, 0, 12, 12, 12, 14, 14, 0], batch.Tokens);
        Assert.Equal([1, 3, 2], batch.Lengths);
        Assert.Equal([0, 2, 0], batch.Labels);
        Assert.Equal([0, 2, 4], batch.SampleIndices);
    }

    [Fact]
    public void Collate_RejectsBadIndices()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Numbered(3).Collate([0, 3]));
        Assert.Contains("has 3 samples", e.Message);
        Assert.Throws<ArgumentException>(() => Numbered(3).Collate([]));
    }

    [Fact]
    public void Epoch_VisitsEverySampleOnce_InASeededOrder()
    {
        var data = Numbered(23);
        int[] Order(ulong seed, int epoch) => data.Epoch(5, seed, epoch).SelectMany(b => b.SampleIndices).ToArray();

        Assert.Equal(Enumerable.Range(0, 23), Order(1, 0).Order());
        Assert.Equal(Order(1, 0), Order(1, 0));
        Assert.NotEqual(Order(1, 0), Order(1, 1));
        Assert.NotEqual(Order(1, 0), Order(2, 0));
        Assert.NotEqual(Enumerable.Range(0, 23), Order(1, 0));
        Assert.Equal([5, 5, 5, 5, 3], data.Epoch(5, 1).Select(b => b.Size));
        Assert.Equal([5, 5, 5, 5], data.Epoch(5, 1, dropLast: true).Select(b => b.Size));
    }

    [Fact]
    public void Endless_GivesFullBatches_AndUsesEverySampleEquallyOften()
    {
        var data = Numbered(10);
        var batches = data.Endless(4, 3).Take(15).ToList(); // 60 draws = 6 epochs

        Assert.All(batches, b => Assert.Equal(4, b.Size));
        var counts = batches.SelectMany(b => b.SampleIndices).GroupBy(i => i).Select(g => g.Count());
        Assert.All(counts, c => Assert.Equal(6, c));
        Assert.Equal(batches.SelectMany(b => b.Tokens), data.Endless(4, 3).Take(15).SelectMany(b => b.Tokens));
    }

    [Fact]
    public void InOrder_KeepsTheDatasetOrder()
    {
        Assert.Equal(Enumerable.Range(0, 7), Numbered(7).InOrder(3).SelectMany(b => b.SampleIndices));
    }
}
