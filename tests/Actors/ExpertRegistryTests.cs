using HFedMoE.Actors.Protocol;
using HFedMoE.Actors.Registry;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Tests;

public sealed class ExpertRegistryTests : HFedMoE.TestKit.TestKit
{
    private readonly RoundFixture _fixture = RoundFixture.Create();

    /// <summary>The aggregators' results for the fixture's round.</summary>
    private (List<ExpertMerged> Experts, GatingMerged Gating) MergedRound()
    {
        var set = new AggregatorSet(this);
        set.Open(_fixture.Open);
        set.SendAccepted(AggregatorSet.Messages(_fixture.Updates.Select(_fixture.Routed)));
        var (_, experts, gating) = set.Finalize(_fixture.Model);
        return (experts, gating);
    }

    private GlobalModel ModelOf(Runtime.Actor.IActorRef registry)
    {
        registry.Tell(new GetModel(), TestActor);
        return ExpectMsg<CurrentModel>().Model;
    }

    [Fact]
    public void Applying_a_round_commits_the_merged_model_as_the_next_version()
    {
        var (experts, gating) = MergedRound();
        var registry = ActorOf(ExpertRegistry.PropsFor(_fixture.Model));

        registry.Tell(new ApplyRound(RoundFixture.Round, RoundFixture.Version, experts, gating), TestActor);
        var commit = ExpectMsg<RoundCommitted>();
        var model = ModelOf(registry);

        Assert.Equal((RoundFixture.Round, RoundFixture.Version), (commit.Round, commit.ModelVersion));
        Assert.Equal(RoundFixture.Version + 1, model.Version);
        AggregatorSet.AssertBitIdentical(_fixture.Pure(_fixture.Updates).Values, model.Values);
    }

    [Fact]
    public void Get_experts_gives_values_and_the_version_each_last_changed_in()
    {
        var (experts, gating) = MergedRound();
        var registry = ActorOf(ExpertRegistry.PropsFor(_fixture.Model));
        registry.Tell(new ApplyRound(RoundFixture.Round, RoundFixture.Version, experts, gating), TestActor);
        ExpectMsg<RoundCommitted>();
        string held = _fixture.Model.Layout.ExpertParameters(_fixture.Update("c2").TrainedExperts[0])[0].Name;
        string unheld = _fixture.Model.Layout.ExpertParameters(RoundFixture.Unheld)[0].Name;

        registry.Tell(new GetExperts([held, unheld]), TestActor);
        var reply = ExpectMsg<ExpertTensors>();

        Assert.Equal(RoundFixture.Version + 1, reply.ModelVersion);
        Assert.Equal([held, unheld], reply.Tensors.Select(t => t.Name));
        Assert.Equal([RoundFixture.Version + 1, RoundFixture.Version], reply.ChangedInVersion);
        AggregatorSet.AssertBitIdentical(_fixture.Pure(_fixture.Updates).ValuesOf(held), reply.Tensors[0].Values.Span);
        AggregatorSet.AssertBitIdentical(_fixture.Model.ValuesOf(unheld), reply.Tensors[1].Values.Span);
    }

    [Fact]
    public void Unknown_parameter_name_is_answered_with_an_error_naming_it()
    {
        var registry = ActorOf(ExpertRegistry.PropsFor(_fixture.Model));

        registry.Tell(new GetExperts(["layers.0.moe.experts.0.w1", "layers.7.moe.experts.0.w1"]), TestActor);

        Assert.Equal("no parameter named 'layers.7.moe.experts.0.w1' in the model", ExpectMsg<Error>().Reason);
    }

    [Fact]
    public void A_round_with_one_bad_tensor_is_refused_whole_and_nothing_changes()
    {
        var (experts, gating) = MergedRound();
        var last = experts.Last(m => !m.Unchanged).Clone();
        var t = TensorCodec.Decode(last.Tensors[^1]);
        var values = t.Values.ToArray();
        values[2] = float.NaN;
        last.Tensors[^1] = TensorCodec.Encode(t.Name, t.Shape, values);
        var poisoned = experts.Select(m => m.Layer == last.Layer && m.Expert == last.Expert ? last : m).ToList();
        var registry = ActorOf(ExpertRegistry.PropsFor(_fixture.Model));

        registry.Tell(new ApplyRound(RoundFixture.Round, RoundFixture.Version, poisoned, gating), TestActor);
        var error = ExpectMsg<Error>();
        var model = ModelOf(registry);

        Assert.Equal($"expert {last.Expert} of layer {last.Layer}: tensor '{t.Name}' has NaN at index 2", error.Reason);
        Assert.Equal(RoundFixture.Version, model.Version);
        AggregatorSet.AssertBitIdentical(_fixture.Model.Values, model.Values);
    }

    [Fact]
    public void Results_with_wrong_owner_shape_or_version_are_refused()
    {
        var (experts, gating) = MergedRound();
        var registry = ActorOf(ExpertRegistry.PropsFor(_fixture.Model));
        var held = experts.First(m => !m.Unchanged);
        var foreign = held.Clone();
        foreign.Expert = (held.Expert + 1) % RoundFixture.ExpertsPerLayer;
        var reshaped = held.Clone();
        var first = TensorCodec.Decode(reshaped.Tensors[0]);
        reshaped.Tensors[0] = TensorCodec.Encode(first.Name, [first.Values.Length], first.Values.Span);

        registry.Tell(new ApplyRound(RoundFixture.Round, RoundFixture.Version, [foreign], null), TestActor);
        var e1 = ExpectMsg<Error>();
        registry.Tell(new ApplyRound(RoundFixture.Round, RoundFixture.Version, [reshaped], null), TestActor);
        var e2 = ExpectMsg<Error>();
        registry.Tell(new ApplyRound(RoundFixture.Round, RoundFixture.Version - 1, experts, gating), TestActor);
        var e3 = ExpectMsg<Error>();

        Assert.Contains($"tensor '{first.Name}' is not one of its parameters", e1.Reason, StringComparison.Ordinal);
        Assert.Contains($"tensor '{first.Name}' has shape [{first.Values.Length}]", e2.Reason, StringComparison.Ordinal);
        Assert.Contains($"the registry holds version {RoundFixture.Version}", e3.Reason, StringComparison.Ordinal);
        AggregatorSet.AssertBitIdentical(_fixture.Model.Values, ModelOf(registry).Values);
    }

    [Fact]
    public void Reapplying_the_committed_round_is_idempotent()
    {
        var (experts, gating) = MergedRound();
        var registry = ActorOf(ExpertRegistry.PropsFor(_fixture.Model));
        var apply = new ApplyRound(RoundFixture.Round, RoundFixture.Version, experts, gating);

        registry.Tell(apply, TestActor);
        var first = ExpectMsg<RoundCommitted>();
        registry.Tell(apply, TestActor);
        var again = ExpectMsg<RoundCommitted>();

        Assert.Equal(first, again);
        Assert.Equal(RoundFixture.Version + 1, ModelOf(registry).Version);
    }
}
