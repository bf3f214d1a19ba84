using Google.Protobuf;
using HFedMoE.Actors.Protocol;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Tests;

public sealed class SparseUpdateCodecTests
{
    [Fact]
    public void Client_update_round_trips_every_field_bit_exactly()
    {
        var fixture = RoundFixture.Create();
        var update = fixture.Update("c2") with { FailedSteps = 2, ExpertBackwardPasses = 1L << 40, StartAccuracy = 0.375, LocalAccuracy = 0.5, Flops = 1L << 41 };

        var back = SparseUpdateCodec.Decode(ClientUpdate.Parser.ParseFrom(SparseUpdateCodec.Encode(update).ToByteArray()));

        Assert.Equal((update.ClientId, update.Round, update.ModelVersion, update.SampleCount), (back.ClientId, back.Round, back.ModelVersion, back.SampleCount));
        Assert.Equal(update.Usage, back.Usage);
        Assert.Equal(update.Importance, back.Importance);
        Assert.Equal(update.ActivationFrequency, back.ActivationFrequency);
        Assert.Equal(update.TrainedExperts, back.TrainedExperts);
        Assert.Equal((update.Loss, update.LocalSteps, update.FailedSteps, update.ExpertBackwardPasses), (back.Loss, back.LocalSteps, back.FailedSteps, back.ExpertBackwardPasses));
        Assert.Equal((update.StartAccuracy, update.LocalAccuracy, update.Flops), (back.StartAccuracy, back.LocalAccuracy, back.Flops));
        Assert.Equal(update.Tensors.Count, back.Tensors.Count);
        for (int i = 0; i < update.Tensors.Count; i++)
        {
            Assert.Equal(update.Tensors[i].Name, back.Tensors[i].Name);
            Assert.Equal(update.Tensors[i].Shape, back.Tensors[i].Shape);
            Assert.Equal(update.Tensors[i].Values.ToArray().Select(BitConverter.SingleToInt32Bits), back.Tensors[i].Values.ToArray().Select(BitConverter.SingleToInt32Bits));
        }
    }

    public static TheoryData<double, double, long> Measurements => new()
    {
        { 0.0, 1.0, 1L << 50 },
        { 0.625, double.NaN, 123_456_789 },
        // A NaN with a payload is not the default NaN: it must survive bit for bit too.
        { BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_0123), BitConverter.Int64BitsToDouble(unchecked((long)0xFFF8_0000_0000_0000)), 0 },
    };

    [Theory]
    [MemberData(nameof(Measurements))]
    public void Accuracies_and_flops_round_trip_bit_exactly(double start, double local, long flops)
    {
        var update = RoundFixture.Create().Update("c1") with { StartAccuracy = start, LocalAccuracy = local, Flops = flops };

        var back = SparseUpdateCodec.Decode(ClientUpdate.Parser.ParseFrom(SparseUpdateCodec.Encode(update).ToByteArray()));

        Assert.Equal(BitConverter.DoubleToInt64Bits(start), BitConverter.DoubleToInt64Bits(back.StartAccuracy));
        Assert.Equal(BitConverter.DoubleToInt64Bits(local), BitConverter.DoubleToInt64Bits(back.LocalAccuracy));
        Assert.Equal(flops, back.Flops);
    }

    [Fact]
    public void A_report_without_measurements_decodes_to_nan_and_zero_and_encodes_as_before()
    {
        var update = RoundFixture.Create().Update("c1") with { StartAccuracy = double.NaN, LocalAccuracy = double.NaN, Flops = 0 };
        var message = SparseUpdateCodec.Encode(update);

        // What a sender from before these fields existed writes: fields 1–12 only.
        Assert.False(message.Report.HasStartAccuracy);
        Assert.False(message.Report.HasLocalAccuracy);
        var old = new ClientReport(message.Report);
        old.ClearStartAccuracy();
        old.ClearLocalAccuracy();
        old.Flops = 0;
        Assert.Equal(old.ToByteArray(), message.Report.ToByteArray());

        var back = SparseUpdateCodec.Decode(ClientUpdate.Parser.ParseFrom(new ClientUpdate { Report = old, Tensors = { message.Tensors } }.ToByteArray()));
        Assert.True(double.IsNaN(back.StartAccuracy));
        Assert.True(double.IsNaN(back.LocalAccuracy));
        Assert.Equal(0, back.Flops);
    }

    [Fact]
    public void Client_update_with_a_truncated_tensor_is_rejected_clearly()
    {
        var message = SparseUpdateCodec.Encode(RoundFixture.Create().Update("c0"));
        message.Tensors[0].Data = ByteString.CopyFrom(message.Tensors[0].Data.Span[..6]);

        var e = Assert.Throws<InvalidDataException>(() => SparseUpdateCodec.Decode(message));

        Assert.Contains($"'{message.Tensors[0].Name}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Split_sends_each_trained_expert_its_own_tensors_and_the_rest_to_gating()
    {
        var fixture = RoundFixture.Create();
        var update = fixture.Update("c2");
        var layout = fixture.Model.Layout;

        var routed = SparseUpdateCodec.Split(update, layout);

        Assert.Equal(update.TrainedExperts, routed.Experts.Select(x => x.Layer * RoundFixture.ExpertsPerLayer + x.Expert));
        foreach (var x in routed.Experts)
        {
            int id = x.Layer * RoundFixture.ExpertsPerLayer + x.Expert;
            Assert.True(x.Trained);
            Assert.Equal((update.ClientId, RoundFixture.Round, RoundFixture.Version, update.SampleCount), (x.ClientId, x.Round, x.ModelVersion, x.SampleCount));
            Assert.Equal((update.Usage[id], update.Importance[id]), (x.Usage, x.Importance));
            Assert.Equal(layout.ExpertParameters(id).Select(p => p.Name), x.Tensors.Select(t => t.Name));
        }
        Assert.Equal(
            layout.Entries.Where(e => e.Role != ParameterRole.Expert).Select(e => e.Name),
            routed.Gating.Tensors.Select(t => t.Name));
        Assert.Equal(update.Usage, routed.Gating.Usage);
        Assert.Equal(update.TrainedExperts, routed.Report.TrainedExperts);
        Assert.Equal(update.Loss, routed.Report.Loss);
    }

    [Fact]
    public void Split_with_a_usage_floor_also_reports_used_but_untrained_experts_without_tensors()
    {
        var fixture = RoundFixture.Create();
        var update = fixture.Update("c0");

        var routed = SparseUpdateCodec.Split(update, fixture.Model.Layout, untrainedUsageFloor: 0.2);

        var untrained = routed.Experts.Where(x => !x.Trained).ToList();
        Assert.NotEmpty(untrained);
        Assert.All(untrained, x => Assert.Empty(x.Tensors));
        Assert.All(untrained, x => Assert.True(x.Usage >= 0.2));
        int expected = Enumerable.Range(0, update.Usage.Count).Count(e => update.TrainedExperts.Contains(e) || update.Usage[e] >= 0.2);
        Assert.Equal(expected, routed.Experts.Count);
    }

    [Fact]
    public void Split_refuses_a_tensor_the_layout_does_not_know()
    {
        var fixture = RoundFixture.Create();
        var update = fixture.Update("c0");
        update = update with { Tensors = [.. update.Tensors, new UpdateTensor("layers.9.bogus", [1], new float[1])] };

        var e = Assert.Throws<ArgumentException>(() => SparseUpdateCodec.Split(update, fixture.Model.Layout));

        Assert.Contains("'layers.9.bogus'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_update_without_its_report_is_refused_clearly()
    {
        var e = Assert.Throws<InvalidDataException>(() => SparseUpdateCodec.Decode(new ClientUpdate()));
        Assert.Contains("no report", e.Message, StringComparison.Ordinal);
    }
}
