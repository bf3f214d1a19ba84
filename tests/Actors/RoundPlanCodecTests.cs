using Google.Protobuf;
using HFedMoE.Actors.Protocol;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Tests;

public sealed class RoundPlanCodecTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Plan_round_trips_through_the_wire(bool withAssignment)
    {
        var fixture = RoundFixture.Create();
        var plan = fixture.Plans[1] with
        {
            FailWhenOverBudget = true,
            FailureThreshold = 0.25,
            ActiveExpertsPerToken = 1,
            ExpertWidthFraction = 0.5,
            AssignedExperts = withAssignment ? [] : null,
        };
        var tensors = fixture.Model.Layout.ExpertParameters(2).Select(e => new UpdateTensor(e.Name, e.Slice.Shape, fixture.Model.ValuesOf(e.Name).ToArray())).ToList();

        var (back, backTensors) = RoundPlanCodec.Decode(RoundPlan.Parser.ParseFrom(RoundPlanCodec.Encode(plan, tensors).ToByteArray()));

        Assert.Equal(plan with { AssignedExperts = null }, back with { AssignedExperts = null });
        Assert.Equal(plan.AssignedExperts, back.AssignedExperts);
        Assert.Equal(tensors.Select(t => t.Name), backTensors.Select(t => t.Name));
        AggregatorSet.AssertBitIdentical(tensors[0].Values.Span, backTensors[0].Values.Span);
    }

    [Fact]
    public void Exploration_survives_the_wire_and_an_unexplored_plan_keeps_its_digest()
    {
        var plain = RoundFixture.Create().Plans[1];
        var explored = plain with { ExploreExperts = [1, 3], ExploreSlots = 1 };

        var (decoded, _) = RoundPlanCodec.Decode(RoundPlan.Parser.ParseFrom(RoundPlanCodec.Encode(explored, []).ToByteArray()));
        Assert.Equal([1, 3], decoded.ExploreExperts!);
        Assert.Equal(1, decoded.ExploreSlots);
        var (back, _) = RoundPlanCodec.Decode(RoundPlanCodec.Encode(plain, []));
        Assert.Null(back.ExploreExperts);
        Assert.Equal(0, back.ExploreSlots);
        // The plan digest the journal records is unchanged by the new fields when they are unset.
        Assert.DoesNotContain("Explore", System.Text.Json.JsonSerializer.Serialize(plain), StringComparison.Ordinal);
        Assert.NotEqual(HFedMoE.Actors.Rounds.Digests.OfPlan(plain), HFedMoE.Actors.Rounds.Digests.OfPlan(explored));
    }

    [Fact]
    public void Unknown_selector_is_rejected()
    {
        var m = RoundPlanCodec.Encode(RoundFixture.Create().Plans[0], []);
        m.Selector = (ExpertSelectorKind)42;

        var e = Assert.Throws<InvalidDataException>(() => RoundPlanCodec.Decode(m));

        Assert.Contains("unknown expert selector 42", e.Message, StringComparison.Ordinal);
    }
}
