using HFedMoE.Actors.Protocol;
using HFedMoE.Actors.Registry;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Tests;

public sealed class ExpertRegistryTests : FederationTestKit
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

    private GlobalModel ModelOf(Akka.Actor.IActorRef registry)
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

    private static IReadOnlyList<double> Scores(int experts, double value) => [.. Enumerable.Range(0, experts).Select(e => value + e / 100.0)];

    /// <summary>A round with no merged tensors but importance scores: the model's version moves, its values do not.</summary>
    private static ApplyRound ScoresOnly(int round, int version, Dictionary<string, IReadOnlyList<double>> importance) =>
        new(round, version, [], null, importance);

    [Fact]
    public void Importance_history_keeps_each_clients_scores_with_their_round_bounded_to_the_last_n()
    {
        int experts = _fixture.Model.Layout.ExpertCount;
        var registry = ActorOf(ExpertRegistry.PropsFor(_fixture.Model, historyRounds: 2));
        for (int r = 0; r < 3; r++)
        {
            var importance = new Dictionary<string, IReadOnlyList<double>> { ["a"] = Scores(experts, 0.1 * r) };
            if (r == 1)
            {
                importance["b"] = Scores(experts, 0.5);
            }
            registry.Tell(ScoresOnly(RoundFixture.Round + r, RoundFixture.Version + r, importance), TestActor);
            ExpectMsg<RoundCommitted>();
        }

        registry.Tell(new GetImportanceHistory("a"), TestActor);
        var a = ExpectMsg<ImportanceHistory>();
        registry.Tell(new GetImportanceHistory("b"), TestActor);
        var b = ExpectMsg<ImportanceHistory>();
        registry.Tell(new GetImportanceHistory("nobody"), TestActor);
        var nobody = ExpectMsg<ImportanceHistory>();

        Assert.Equal([RoundFixture.Round + 1, RoundFixture.Round + 2], a.Rounds.Select(h => h.Round));
        Assert.Equal(Scores(experts, 0.1), a.Rounds[0].Importance);
        Assert.Equal(Scores(experts, 0.2), a.Rounds[1].Importance);
        Assert.Equal(RoundFixture.Round + 1, Assert.Single(b.Rounds).Round);
        Assert.Equal(Scores(experts, 0.5), b.Rounds[0].Importance);
        Assert.Equal("nobody", nobody.ClientId);
        Assert.Empty(nobody.Rounds);
        AggregatorSet.AssertBitIdentical(_fixture.Model.Values, ModelOf(registry).Values);
    }

    [Fact]
    public void A_round_with_malformed_importance_is_refused_whole_and_records_nothing()
    {
        var (experts, gating) = MergedRound();
        int count = _fixture.Model.Layout.ExpertCount;
        var registry = ActorOf(ExpertRegistry.PropsFor(_fixture.Model));
        var shortScores = new Dictionary<string, IReadOnlyList<double>> { ["c1"] = Scores(count, 0.1), ["c2"] = Scores(count - 1, 0.1) };
        var nanScores = new Dictionary<string, IReadOnlyList<double>> { ["c1"] = [.. Scores(count - 1, 0.1), double.NaN] };

        registry.Tell(new ApplyRound(RoundFixture.Round, RoundFixture.Version, experts, gating, shortScores), TestActor);
        var e1 = ExpectMsg<Error>();
        registry.Tell(new ApplyRound(RoundFixture.Round, RoundFixture.Version, experts, gating, nanScores), TestActor);
        var e2 = ExpectMsg<Error>();
        registry.Tell(new GetImportanceHistory("c1"), TestActor);

        Assert.Equal($"importance of 'c2' has {count - 1} scores; expected one per expert ({count})", e1.Reason);
        Assert.Equal($"importance of 'c1' for expert {count - 1} is NaN", e2.Reason);
        Assert.Empty(ExpectMsg<ImportanceHistory>().Rounds);
        Assert.Equal(RoundFixture.Version, ModelOf(registry).Version);
    }

    [Fact]
    public void A_history_length_below_one_is_refused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ExpertRegistry.PropsFor(_fixture.Model, historyRounds: 0));
        Assert.Equal("historyRounds", e.ParamName);
    }
}
