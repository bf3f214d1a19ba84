using Google.Protobuf;
using HFedMoE.Actors.Aggregation;
using HFedMoE.Actors.Protocol;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Tests;

/// <summary>
/// Late, duplicate, stale and bad updates: each is answered with a reason (or, for an identical
/// resend, acknowledged again as a duplicate) and never changes the merged model.
/// </summary>
public sealed class RejectionTests : FederationTestKit
{
    private readonly RoundFixture _fixture = RoundFixture.Create();
    private readonly AggregatorSet _set;

    public RejectionTests()
    {
        _set = new AggregatorSet(this);
        _set.Open(_fixture.Open);
    }

    private ExpertUpdate TrainedBy(string client) => _fixture.Routed(_fixture.Update(client)).Experts[0];

    /// <summary>Sends every valid update, finalises, and checks the result is the pure merge of all of them.</summary>
    private void AssertResultUnaffected()
    {
        _set.SendAccepted(AggregatorSet.Messages(_fixture.Updates.Select(_fixture.Routed)));
        var (values, _, _) = _set.Finalize(_fixture.Model);
        AggregatorSet.AssertBitIdentical(_fixture.Pure(_fixture.Updates).Values, values);
    }

    [Fact]
    public void Identical_resend_is_acknowledged_as_duplicate_and_counted_once()
    {
        var update = TrainedBy("c2");
        var target = _set.For(update);
        target.Tell(update, TestActor);
        var first = ExpectMsg<SliceAccepted>();

        target.Tell(update.Clone(), TestActor);
        var again = ExpectMsg<SliceAccepted>();

        Assert.False(first.Duplicate);
        Assert.True(again.Duplicate);
        Assert.Equal(first.Digest, again.Digest);
        var rest = AggregatorSet.Messages(_fixture.Updates.Select(_fixture.Routed)).Where(m => !m.Message.Equals(update));
        _set.SendAccepted(rest);
        var (values, _, _) = _set.Finalize(_fixture.Model);
        AggregatorSet.AssertBitIdentical(_fixture.Pure(_fixture.Updates).Values, values);
    }

    [Fact]
    public void Gating_update_resent_is_a_duplicate_and_a_changed_one_is_rejected()
    {
        var gating = _fixture.Routed(_fixture.Update("c0")).Gating;
        _set.Gating.Tell(gating, TestActor);
        ExpectMsg<SliceAccepted>();
        var changed = gating.Clone();
        changed.Importance[0] = 0.5;

        _set.Gating.Tell(gating.Clone(), TestActor);
        var again = ExpectMsg<SliceAccepted>();
        var rejected = _set.SendRejected(_set.Gating, changed);

        Assert.True(again.Duplicate);
        Assert.Contains("second, different update from 'c0'", rejected.Reason, StringComparison.Ordinal);
        var rest = AggregatorSet.Messages(_fixture.Updates.Select(_fixture.Routed)).Where(m => !(m.IsGating && ((GatingUpdate)m.Message).ClientId == "c0"));
        _set.SendAccepted(rest);
        var (values, _, _) = _set.Finalize(_fixture.Model);
        AggregatorSet.AssertBitIdentical(_fixture.Pure(_fixture.Updates).Values, values);
    }

    [Fact]
    public void Different_second_update_from_the_same_client_is_rejected()
    {
        var update = TrainedBy("c2");
        var target = _set.For(update);
        target.Tell(update, TestActor);
        ExpectMsg<SliceAccepted>();
        var changed = update.Clone();
        changed.Usage = 0.99;

        var rejected = _set.SendRejected(target, changed);

        Assert.Contains("second, different update from 'c2'", rejected.Reason, StringComparison.Ordinal);
        var rest = AggregatorSet.Messages(_fixture.Updates.Select(_fixture.Routed)).Where(m => !m.Message.Equals(update));
        _set.SendAccepted(rest);
        var (values, _, _) = _set.Finalize(_fixture.Model);
        AggregatorSet.AssertBitIdentical(_fixture.Pure(_fixture.Updates).Values, values);
    }

    [Fact]
    public void Stale_and_future_rounds_are_rejected_with_the_current_round()
    {
        var stale = TrainedBy("c1");
        stale.Round = RoundFixture.Round - 1;
        var future = TrainedBy("c1");
        future.Round = RoundFixture.Round + 1;

        var r1 = _set.SendRejected(_set.For(stale), stale);
        var r2 = _set.SendRejected(_set.For(future), future);

        Assert.Equal($"stale round {RoundFixture.Round - 1}; the current round is {RoundFixture.Round}", r1.Reason);
        Assert.Equal($"round {RoundFixture.Round + 1} is not open; the current round is {RoundFixture.Round}", r2.Reason);
        AssertResultUnaffected();
    }

    [Fact]
    public void Update_from_an_older_model_version_is_rejected()
    {
        var old = TrainedBy("c0");
        old.ModelVersion = RoundFixture.Version - 1;

        var r = _set.SendRejected(_set.For(old), old);

        Assert.Contains($"model version {RoundFixture.Version - 1}", r.Reason, StringComparison.Ordinal);
        AssertResultUnaffected();
    }

    [Fact]
    public void Nan_and_infinite_values_are_rejected_naming_tensor_and_index()
    {
        var nan = TrainedBy("c2");
        nan.Tensors[0] = WithValue(nan.Tensors[0], 3, float.NaN);
        var inf = TrainedBy("c1");
        inf.Tensors[1] = WithValue(inf.Tensors[1], 0, float.PositiveInfinity);

        var r1 = _set.SendRejected(_set.For(nan), nan);
        var r2 = _set.SendRejected(_set.For(inf), inf);

        Assert.Equal($"tensor '{nan.Tensors[0].Name}' has NaN at index 3", r1.Reason);
        Assert.Contains($"tensor '{inf.Tensors[1].Name}' has ∞ at index 0", r2.Reason.Replace("Infinity", "∞", StringComparison.Ordinal), StringComparison.Ordinal);
        AssertResultUnaffected();
    }

    [Fact]
    public void Wrong_shape_and_malformed_payload_are_rejected()
    {
        var shaped = TrainedBy("c2");
        var original = shaped.Tensors[0];
        shaped.Tensors[0] = TensorCodec.Encode(original.Name, [6, 4], TensorCodec.Decode(original).Values.Span);
        var truncated = TrainedBy("c1");
        truncated.Tensors[0].Data = ByteString.CopyFrom(truncated.Tensors[0].Data.Span[..10]);

        var r1 = _set.SendRejected(_set.For(shaped), shaped);
        var r2 = _set.SendRejected(_set.For(truncated), truncated);

        Assert.Equal($"tensor '{original.Name}' has shape [6,4]; expected [4,6]", r1.Reason);
        Assert.Contains("the payload has 10 bytes", r2.Reason, StringComparison.Ordinal);
        AssertResultUnaffected();
    }

    [Fact]
    public void Update_for_another_expert_is_rejected_naming_both()
    {
        var update = TrainedBy("c2");
        var wrong = _set.Experts[((update.Layer + 1) % RoundFixture.Layers, update.Expert)];

        var r = _set.SendRejected(wrong, update);

        Assert.Equal($"update for layer {update.Layer} expert {update.Expert} reached the aggregator of layer {(update.Layer + 1) % RoundFixture.Layers} expert {update.Expert}", r.Reason);
        AssertResultUnaffected();
    }

    [Fact]
    public void Tensor_of_another_expert_inside_an_update_is_rejected()
    {
        var update = TrainedBy("c2");
        var other = _fixture.Routed(_fixture.Update("c2")).Experts[1];
        update.Tensors.Add(other.Tensors[0]);

        var r = _set.SendRejected(_set.For(update), update);

        Assert.Contains($"'{other.Tensors[0].Name}'", r.Reason, StringComparison.Ordinal);
        AssertResultUnaffected();
    }

    [Fact]
    public void Unknown_client_and_unassigned_expert_are_rejected()
    {
        var stranger = TrainedBy("c2");
        stranger.ClientId = "mallory";
        // c3 has no budget: it may train no expert at all.
        var unassigned = TrainedBy("c2");
        unassigned.ClientId = "c3";
        unassigned.SampleCount = 5;

        var r1 = _set.SendRejected(_set.For(stranger), stranger);
        var r2 = _set.SendRejected(_set.For(unassigned), unassigned);

        Assert.Equal($"unknown client 'mallory': not planned in round {RoundFixture.Round}", r1.Reason);
        Assert.Contains("was not assigned to client 'c3'", r2.Reason, StringComparison.Ordinal);
        AssertResultUnaffected();
    }

    [Fact]
    public void Sample_count_above_the_profile_is_rejected()
    {
        var update = TrainedBy("c0");
        update.SampleCount = 41;

        var r = _set.SendRejected(_set.For(update), update);

        Assert.Equal("claims 41 samples; its profile has 40", r.Reason);
        AssertResultUnaffected();
    }

    [Fact]
    public void Bad_gating_updates_are_rejected()
    {
        var gating = _fixture.Routed(_fixture.Update("c1")).Gating;
        var nan = gating.Clone();
        nan.Tensors[0] = WithValue(nan.Tensors[0], 1, float.NaN);
        var shortUsage = gating.Clone();
        shortUsage.Usage.RemoveAt(0);
        var expertTensor = gating.Clone();
        expertTensor.Tensors.Add(TensorCodec.Encode("layers.0.moe.experts.0.b2", [4], new float[4]));

        Assert.Contains("has NaN at index 1", _set.SendRejected(_set.Gating, nan).Reason, StringComparison.Ordinal);
        Assert.Contains("usage has 5 entries; expected one per expert (6)", _set.SendRejected(_set.Gating, shortUsage).Reason, StringComparison.Ordinal);
        Assert.Contains("unknown tensor 'layers.0.moe.experts.0.b2'", _set.SendRejected(_set.Gating, expertTensor).Reason, StringComparison.Ordinal);
        AssertResultUnaffected();
    }

    [Fact]
    public void After_finalize_updates_are_late_but_an_accepted_one_is_still_acknowledged()
    {
        var routed = _fixture.Updates.Select(_fixture.Routed).ToList();
        _set.SendAccepted(AggregatorSet.Messages(routed.Where(r => r.Report.ClientId != "c1")));
        var first = _set.Finalize(_fixture.Model);
        var accepted = routed.Single(r => r.Report.ClientId == "c2").Experts[0];
        var late = routed.Single(r => r.Report.ClientId == "c1").Experts[0];

        _set.For(accepted).Tell(accepted, TestActor);
        var ack = ExpectMsg<SliceAccepted>();
        var r = _set.SendRejected(_set.For(late), late);
        var second = _set.Finalize(_fixture.Model);

        Assert.True(ack.Duplicate);
        Assert.Equal($"late: round {RoundFixture.Round} has already been finalised", r.Reason);
        AggregatorSet.AssertBitIdentical(first.Values, second.Values);
        AggregatorSet.AssertBitIdentical(_fixture.Pure(_fixture.Updates.Where(u => u.ClientId != "c1")).Values, second.Values);
    }

    [Fact]
    public void Finalize_of_a_round_that_is_not_open_and_reopening_a_round_answer_errors()
    {
        var aggregator = _set.Experts[(0, 0)];

        aggregator.Tell(new FinalizeRound { Round = RoundFixture.Round + 1, ModelVersion = RoundFixture.Version }, TestActor);
        var e1 = ExpectMsg<Error>();
        aggregator.Tell(_fixture.Open, TestActor);
        var e2 = ExpectMsg<Error>();

        Assert.Contains($"cannot finalise round {RoundFixture.Round + 1}", e1.Reason, StringComparison.Ordinal);
        Assert.Contains($"round {RoundFixture.Round} is still open", e2.Reason, StringComparison.Ordinal);
        AssertResultUnaffected();
    }

    [Fact]
    public void Next_round_opens_after_finalize_and_an_earlier_round_cannot_be_reopened()
    {
        _set.Finalize(_fixture.Model);
        var aggregator = _set.Experts[(1, 1)];

        aggregator.Tell(_fixture.Open, TestActor);
        var error = ExpectMsg<Error>();
        aggregator.Tell(_fixture.Open with { Round = RoundFixture.Round + 1 }, TestActor);
        var opened = ExpectMsg<AggregatorReady>();

        Assert.Contains("has already been finalised", error.Reason, StringComparison.Ordinal);
        Assert.Equal(RoundFixture.Round + 1, opened.Round);
    }

    private static Tensor WithValue(Tensor tensor, int index, float value)
    {
        var t = TensorCodec.Decode(tensor);
        var values = t.Values.ToArray();
        values[index] = value;
        return TensorCodec.Encode(t.Name, t.Shape, values);
    }
}
