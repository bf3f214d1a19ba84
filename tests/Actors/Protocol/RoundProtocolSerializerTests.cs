using Google.Protobuf;
using HFedMoE.Actors.Aggregation;
using HFedMoE.Actors.Protocol;
using HFedMoE.Actors.Registry;
using HFedMoE.Actors.Rounds;
using HFedMoE.Actors.Server;
using HFedMoE.Actors.Tests.Rounds;
using HFedMoE.Model.Federated;
using Akka.Actor;
using HFedMoE.Actors.Serialization;
using SerializationException = System.Runtime.Serialization.SerializationException;

namespace HFedMoE.Actors.Tests.Protocol;

public sealed class RoundProtocolSerializerTests : FederationTestKit
{
    private readonly RoundFixture _fixture = RoundFixture.Create();
    private readonly RoundProtocolSerializer _serializer;

    public RoundProtocolSerializerTests()
        : base(InMemoryPersistence) => _serializer = (RoundProtocolSerializer)Sys.Serialization.FindSerializerForType(typeof(StartRound));

    /// <summary>The fixture's model with a payload NaN, -0 and +∞ in it: values a float round trip through text would lose.</summary>
    private GlobalModel Model
    {
        get
        {
            var values = _fixture.Model.Values.ToArray();
            values[0] = BitConverter.Int32BitsToSingle(0x7FC0_0123);
            values[1] = -0f;
            values[^1] = float.PositiveInfinity;
            return new GlobalModel(_fixture.Model.Layout, values, 7);
        }
    }

    private static int[] Bits(ReadOnlySpan<float> values) => [.. values.ToArray().Select(BitConverter.SingleToInt32Bits)];

    private static long[] Bits(double[] values) => [.. values.Select(BitConverter.DoubleToInt64Bits)];

    private static void AssertSameModel(GlobalModel expected, GlobalModel actual)
    {
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.Layout.Entries.Select(e => (e.Name, string.Join(",", e.Slice.Shape), e.Slice.Offset, e.Slice.Length, e.Role, e.Layer, e.ExpertId)),
            actual.Layout.Entries.Select(e => (e.Name, string.Join(",", e.Slice.Shape), e.Slice.Offset, e.Slice.Length, e.Role, e.Layer, e.ExpertId)));
        Assert.Equal(Bits(expected.Values), Bits(actual.Values));
    }

    /// <summary>Serializes with the serializer the system binds (as serialize-messages does), checks the copy re-encodes to the same bytes.</summary>
    private T RoundTrip<T>(T message)
        where T : notnull
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.Equal(RoundProtocolSerializer.Id, serializer.Identifier);
        string manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        Assert.Equal(typeof(T).Name, manifest);
        byte[] bytes = serializer.ToBinary(message);
        var back = Assert.IsType<T>(Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest));
        Assert.Equal(bytes, _serializer.ToBinary(back));
        return back;
    }

    [Fact]
    public void Every_listed_type_is_bound_to_this_serializer_in_hocon_and_open_round_is_local_only()
    {
        Assert.All(RoundProtocolSerializer.MessageTypes, t => Assert.Same(_serializer, Sys.Serialization.FindSerializerForType(t)));
        Assert.True(typeof(Akka.Actor.INoSerializationVerificationNeeded).IsAssignableFrom(typeof(OpenRound)));
        Assert.False(typeof(Akka.Actor.INoSerializationVerificationNeeded).IsAssignableFrom(typeof(TrainRound)));
    }

    [Fact]
    public void Every_protobuf_message_of_the_protocol_is_bound_to_the_protobuf_serializer()
    {
        foreach (var message in new Google.Protobuf.IMessage[] { new ExpertUpdate(), new GatingShare(), new SliceAccepted(), new FinalizeRound(), new Error(), new ExpertMerged(), new Tensor() })
        {
            var serializer = Sys.Serialization.FindSerializerFor(message);
            Assert.IsType<ProtobufMessageSerializer>(serializer);
            Assert.Equal(message, Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, message)));
        }
    }

    [Fact]
    public void Train_round_carries_the_plan_and_the_global_model_bit_exactly()
    {
        var plan = new TrainPlan("c1", 3, 7, 4, ExpertSelector.RandomK, 0.25, 0.75, new LocalSettings(5, 16, 1e-3), 42,
            FailWhenOverBudget: true, FailureThreshold: 0.3, ActiveExpertsPerToken: 2, ExpertWidthFraction: 0.5, AssignedExperts: [0, 4]);
        var model = Model;

        var back = RoundTrip(new TrainRound(plan, model));

        Assert.Equal(plan with { AssignedExperts = null }, back.Plan with { AssignedExperts = null });
        Assert.Equal(plan.AssignedExperts, back.Plan.AssignedExperts);
        AssertSameModel(model, back.Global);
        Assert.Null(RoundTrip(new TrainRound(plan with { AssignedExperts = null }, model)).Plan.AssignedExperts);
        Assert.Empty(RoundTrip(new TrainRound(plan with { AssignedExperts = [] }, model)).Plan.AssignedExperts!);
    }

    [Fact]
    public void Submit_update_carries_the_sparse_update_bit_exactly()
    {
        var update = TinyFederation.WithNaN(_fixture.Update("c2")) with { StartAccuracy = 0.5, Flops = 1L << 40 };

        var back = RoundTrip(new SubmitUpdate(update)).Update;

        Assert.Equal((update.ClientId, update.Round, update.ModelVersion, update.SampleCount, update.Loss, update.StartAccuracy, update.Flops),
            (back.ClientId, back.Round, back.ModelVersion, back.SampleCount, back.Loss, back.StartAccuracy, back.Flops));
        Assert.Equal(update.Usage, back.Usage);
        Assert.Equal(update.TrainedExperts, back.TrainedExperts);
        Assert.Equal(update.Tensors.Select(t => t.Name), back.Tensors.Select(t => t.Name));
        Assert.Equal(update.Tensors.SelectMany(t => Bits(t.Values.Span)), back.Tensors.SelectMany(t => Bits(t.Values.Span)));
    }

    [Fact]
    public void Round_outcomes_keep_model_metrics_in_order_and_dropped_clients()
    {
        var metrics = new Dictionary<string, double> { ["z-last"] = double.NaN, ["accepted"] = 3, ["loss"] = -0.0 };
        var completed = new RoundCompleted(4, Model, "abc123", metrics, ["c3"]);

        var back = RoundTrip(completed);

        Assert.Equal((4, "abc123"), (back.Round, back.ModelDigest));
        AssertSameModel(completed.Model, back.Model);
        Assert.Equal(metrics.Keys, back.Metrics.Keys);
        Assert.Equal(metrics.Values.Select(BitConverter.DoubleToInt64Bits), back.Metrics.Values.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(["c3"], back.Dropped);
        Assert.Equal(new RoundClosed(5, "no quorum"), RoundTrip(new RoundClosed(5, "no quorum")));

        var recovered = RoundTrip(new RoundManagerRecovered(6, 7, new RoundClosed(5, "no quorum")));
        Assert.Equal((6, 7, new RoundClosed(5, "no quorum")), (recovered.OpenRound, recovered.NextRound, (RoundClosed)recovered.LastOutcome!));
        var none = RoundTrip(new RoundManagerRecovered(null, 0, null));
        Assert.Equal((null, 0, null), (none.OpenRound, none.NextRound, none.LastOutcome));
        Assert.IsType<RoundCompleted>(RoundTrip(new RoundManagerRecovered(null, 5, completed)).LastOutcome);

        var result = RoundTrip(new FederationResult(Model, [completed, new RoundClosed(5, "no quorum")]));
        Assert.Equal([typeof(RoundCompleted), typeof(RoundClosed)], result.Rounds.Select(r => r.GetType()));
        AssertSameModel(Model, result.Model);
    }

    [Fact]
    public void Actor_references_resolve_to_the_same_actor_on_this_system()
    {
        var probe = CreateTestProbe();
        var profile = new ClientProfile("c9", 12, ComputeCap: 0.5, Tier: "t4");

        var registered = RoundTrip(new RegisterClient(profile, probe.Ref));
        Assert.Equal(profile, registered.Profile);
        Assert.Equal(probe.Ref, registered.Client);
        Assert.Equal(new ClientProfile("c0", 1), RoundTrip(new RegisterClient(new ClientProfile("c0", 1), probe.Ref)).Profile);
        Assert.Equal(probe.Ref, RoundTrip(new SubscribeRounds(probe.Ref)).Subscriber);
    }

    [Fact]
    public void Small_messages_round_trip_to_equal_records()
    {
        Assert.Same(StartRound.Instance, RoundTrip(StartRound.Instance));
        Assert.Same(GetRoundStatus.Instance, RoundTrip(GetRoundStatus.Instance));
        var opened = RoundTrip(new RoundOpened(2, 3, ["c1", "c2"]));
        Assert.Equal((2, 3, "c1,c2"), (opened.Round, opened.ModelVersion, string.Join(",", opened.Participants)));
        Assert.Equal(new RoundNotStarted("open", 4), RoundTrip(new RoundNotStarted("open", 4)));
        Assert.Equal(new RoundNotStarted("too few", null), RoundTrip(new RoundNotStarted("too few")));
        Assert.Equal(new UpdateAck(1, "c1", "d1"), RoundTrip(new UpdateAck(1, "c1", "d1")));
        Assert.Equal(new UpdateRejected(1, "c1", "NaN"), RoundTrip(new UpdateRejected(1, "c1", "NaN")));
        Assert.Equal(new TrainingFailed(1, "c1", "ExternalException: toFloat"), RoundTrip(new TrainingFailed(1, "c1", "ExternalException: toFloat")));
        Assert.Equal(new RunRounds(3), RoundTrip(new RunRounds(3)));
        Assert.Equal(new FederationFailed("why"), RoundTrip(new FederationFailed("why")));
        Assert.Equal(new AggregatorReady(2, 5), RoundTrip(new AggregatorReady(2, 5)));
        Assert.IsType<GetModel>(RoundTrip(new GetModel()));
        Assert.Equal(["a", "b"], RoundTrip(new GetExperts(["a", "b"])).Names);
    }

    [Fact]
    public void Status_and_registry_messages_keep_models_and_tensors_bit_exactly()
    {
        var status = RoundTrip(new RoundStatus(3, 4, Model, ["c1"], ["c2"], 1, ["c1", "c2"]));
        Assert.Equal((3, 4, 1), (status.OpenRound, status.NextRound, status.DeadlineExtensions));
        Assert.Equal(("c1", "c2", "c1,c2"), (string.Join(",", status.Accepted), string.Join(",", status.Dropped), string.Join(",", status.Clients!)));
        AssertSameModel(Model, status.Model);
        var between = RoundTrip(new RoundStatus(null, 4, Model, [], [], 0));
        Assert.Null(between.OpenRound);
        Assert.Null(between.Clients);

        AssertSameModel(Model, RoundTrip(new CurrentModel(Model)).Model);

        var update = TinyFederation.WithNaN(_fixture.Update("c1"));
        var tensors = RoundTrip(new ExpertTensors(7, update.Tensors, [.. update.Tensors.Select((_, i) => i)]));
        Assert.Equal(update.Tensors.SelectMany(t => Bits(t.Values.Span)), tensors.Tensors.SelectMany(t => Bits(t.Values.Span)));
        Assert.Equal(update.Tensors.Select(t => t.Shape), tensors.Tensors.Select(t => t.Shape));
        Assert.Equal(Enumerable.Range(0, update.Tensors.Count), tensors.ChangedInVersion);

        var expert = new ExpertMerged { Round = 1, ModelVersion = 2, Layer = 1, Expert = 2, UpdatesMerged = 3, Tensors = { TensorCodec.Encode(update.Tensors[0]) } };
        var gating = new GatingMerged { Round = 1, ModelVersion = 2, Unchanged = true };
        var apply = RoundTrip(new ApplyRound(1, 2, [expert], gating));
        Assert.Equal((1, 2, expert, gating), (apply.Round, apply.ModelVersion, apply.Experts.Single(), apply.Gating));
        Assert.Null(RoundTrip(new ApplyRound(1, 2, [], null)).Gating);

        var withImportance = RoundTrip(new ApplyRound(1, 2, [], null, new Dictionary<string, IReadOnlyList<double>> { ["c1"] = [0.5, -0.0, double.NaN], ["c2"] = [] }));
        Assert.Equal(Bits([0.5, -0.0, double.NaN]), Bits([.. withImportance.Importance!["c1"]]));
        Assert.Empty(withImportance.Importance["c2"]);
        Assert.Null(RoundTrip(new ApplyRound(1, 2, [], null)).Importance);

        var history = RoundTrip(new ImportanceHistory("c1", [new RoundImportance(3, [0.25, 1]), new RoundImportance(4, [])]));
        Assert.Equal("c1", history.ClientId);
        Assert.Equal([3, 4], history.Rounds.Select(r => r.Round));
        Assert.Equal([0.25, 1.0], history.Rounds[0].Importance);
        Assert.Equal("c9", RoundTrip(new GetImportanceHistory("c9")).ClientId);
        Assert.Same(GetExpertRegistry.Instance, RoundTrip(GetExpertRegistry.Instance));
        Assert.Null(RoundTrip(new ExpertRegistryOf(null)).Registry);
        Assert.Equal(TestActor.Path, RoundTrip(new ExpertRegistryOf(TestActor)).Registry!.Path);
    }

    [Fact]
    public void Bad_payloads_and_unknown_types_fail_naming_the_problem()
    {
        var unknown = Assert.Throws<SerializationException>(() => _serializer.FromBinary([], "NoSuchMessage"));
        Assert.Contains("NoSuchMessage", unknown.Message, StringComparison.Ordinal);

        var wire = WireCurrentModel.Parser.ParseFrom(_serializer.ToBinary(new CurrentModel(Model)));
        wire.Model.Values = ByteString.CopyFrom(wire.Model.Values.Span[..^4]);
        var truncated = Assert.Throws<InvalidDataException>(() => _serializer.FromBinary(wire.ToByteArray(), nameof(CurrentModel)));
        Assert.Contains("bytes", truncated.Message, StringComparison.Ordinal);

        var missing = Assert.Throws<InvalidDataException>(() => _serializer.FromBinary(new WireCurrentModel().ToByteArray(), nameof(CurrentModel)));
        Assert.Contains("no model", missing.Message, StringComparison.Ordinal);

        var notOurs = Assert.Throws<ArgumentException>(() => _serializer.Manifest("a string"));
        Assert.Contains("System.String", notOurs.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => _serializer.ToBinary(_fixture.Open));
    }
}
