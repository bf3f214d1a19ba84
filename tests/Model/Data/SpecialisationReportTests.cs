using HFedMoE.Model.Data;

namespace HFedMoE.Model.Tests.Data;

public sealed class SpecialisationReportTests
{
    [Fact]
    public void PerfectSpecialisation_HasShareOne_ZeroEntropy_AndFullInformation()
    {
        var tally = new RoutingTally(subTopics: 4, experts: 8);
        for (int s = 0; s < 4; s++)
        {
            tally.Add(s, 2 * s, 30);
            tally.Add(s, 2 * s + 1, 10);
        }
        tally.Add(RoutingTally.NotKeyword, 0, 40);

        var report = SpecialisationReport.From(tally);

        Assert.All(report.Experts, e => Assert.Equal(1.0, e.TopShare));
        Assert.Equal(1.0, report.MeanTopShare);
        Assert.Equal(0.25, report.ChanceTopShare);
        Assert.Equal(2.0, report.SubTopicEntropy, 12);
        Assert.Equal(2.0, report.MutualInformation, 12);
        Assert.Equal(1.0, report.NormalisedMutualInformation, 12);
        // Each sub-topic splits 3:1 over two experts: H = 0.811 bits.
        double h = -(0.75 * Math.Log2(0.75) + 0.25 * Math.Log2(0.25));
        Assert.All(report.SubTopicRoutingEntropy, e => Assert.Equal(h, e, 12));
        Assert.Equal(0, report.Experts[0].TopSubTopic);
        Assert.Equal(30.0 / 70.0, report.Experts[0].TopShareOfAllRouted, 12);
        Assert.Equal(160.0 / 200.0, report.KeywordShareOfRouting, 12);
    }

    [Fact]
    public void RoutingIndependentOfSubTopic_CarriesNoInformation()
    {
        var tally = new RoutingTally(subTopics: 2, experts: 4);
        for (int e = 0; e < 4; e++)
        {
            tally.Add(0, e, 90);
            tally.Add(1, e, 10);
        }

        var report = SpecialisationReport.From(tally);

        Assert.Equal(0.0, report.MutualInformation, 12);
        Assert.Equal(0.9, report.MeanTopShare, 12);
        Assert.Equal(0.9, report.ChanceTopShare, 12);
        Assert.All(report.SubTopicRoutingEntropy, h => Assert.Equal(2.0, h, 12));
    }

    [Fact]
    public void HandComputedCase()
    {
        // Joint counts: s0 → e0: 3, e1: 1; s1 → e1: 4. N = 8.
        var tally = new RoutingTally(subTopics: 2, experts: 3);
        tally.AddTokens([0, 0, 1, 1], [0, 1, 0, 0, 1, 1, 1, 1]); // top-2: tokens route to (0,1), (0,0), (1,1), (1,1)
        tally.Add(0, 0, 0);

        var report = SpecialisationReport.From(tally);

        Assert.Equal(3, report.Experts[0].KeywordTokens);
        Assert.Equal(1.0, report.Experts[0].TopShare);
        Assert.Equal(0.8, report.Experts[1].TopShare, 12);
        Assert.Equal(1, report.Experts[1].TopSubTopic);
        Assert.Equal(-1, report.Experts[2].TopSubTopic);
        Assert.Equal(0.9, report.MeanTopShare, 12); // experts without keywords are left out
        double mi = 3.0 / 8 * Math.Log2((3.0 / 8) / (0.5 * 3.0 / 8))
                  + 1.0 / 8 * Math.Log2((1.0 / 8) / (0.5 * 5.0 / 8))
                  + 4.0 / 8 * Math.Log2((4.0 / 8) / (0.5 * 5.0 / 8));
        Assert.Equal(mi, report.MutualInformation, 12);
        Assert.Equal(-(0.75 * Math.Log2(0.75) + 0.25 * Math.Log2(0.25)), report.SubTopicRoutingEntropy[0], 12);
        Assert.Equal(0.0, report.SubTopicRoutingEntropy[1], 12);
    }

    [Fact]
    public void UnseenSubTopic_HasNaNEntropy()
    {
        var tally = new RoutingTally(subTopics: 3, experts: 2);
        tally.Add(0, 1, 5);
        Assert.True(double.IsNaN(SpecialisationReport.From(tally).SubTopicRoutingEntropy[2]));
    }

    [Fact]
    public void BadAssignments_AreRejected()
    {
        var tally = new RoutingTally(subTopics: 2, experts: 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => tally.Add(2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => tally.Add(0, 3));
        Assert.Throws<ArgumentException>(() => tally.AddTokens([0, 1], [0, 1, 2]));
    }
}
