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
    public void Unknown_selector_is_rejected()
    {
        var m = RoundPlanCodec.Encode(RoundFixture.Create().Plans[0], []);
        m.Selector = (ExpertSelectorKind)42;

        var e = Assert.Throws<InvalidDataException>(() => RoundPlanCodec.Decode(m));

        Assert.Contains("unknown expert selector 42", e.Message, StringComparison.Ordinal);
    }
}
