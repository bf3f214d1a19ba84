using HFedMoE.Actors.Protocol;
using HFedMoE.Actors.Rounds;
using HFedMoE.Model.Federated;
using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit;
using RoundCommitted = HFedMoE.Actors.Rounds.RoundCommitted;

namespace HFedMoE.Actors.Tests.Rounds;

/// <summary>
/// The round manager merging through its ExpertAggregator and GatingAggregator children:
/// routing, failures of the aggregators, and restarts of the manager at every step of a round,
/// each checked against the pure strategy merge of the same updates, bit for bit.
/// </summary>
public sealed class AggregatorWiringTests() : FederationTestKit(Hocon, virtualTime: true)
{
    // The SQLite journal of production (in a temp folder), read back through the SQL read journal.
    private const string Hocon = "";

    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(1);

    private readonly UpdateSpool _spool = UpdateSpool.InMemory();

    private ProbeFederation Create(int clients, string persistenceId, Func<(int Layer, int Expert)?, Props>? aggregators = null, bool supervised = false, TestProbe[]? probes = null, string strategy = StrategyFactory.HFedMoE)
    {
        probes ??= [.. Enumerable.Range(0, clients).Select(c => CreateTestProbe($"{persistenceId}-c{c}"))];
        var registrations = ProbeFederation.Registrations(probes);
        var settings = new RoundSettings { Deadline = Deadline, MinClients = 1 };
        var props = aggregators is null
            ? RoundManager.Props(StrategyFactory.Create(strategy, TinyFederation.Options), TinyFederation.Initial(), settings, _spool, registrations, persistenceId)
            : RoundManager.Props(StrategyFactory.Create(strategy, TinyFederation.Options), TinyFederation.Initial(), settings, _spool, registrations, persistenceId, aggregators);
        return ProbeFederation.Start(this, props, probes, supervised);
    }

    private void Open(ProbeFederation f)
    {
        f.Manager.Tell(StartRound.Instance, TestActor);
        ExpectMsg<RoundOpened>();
    }

    private static List<SparseUpdate> Train(ProbeFederation f)
    {
        return [.. f.Clients.Select((probe, c) =>
        {
            var plan = probe.ExpectMsg<TrainRound>();
            return TinyFederation.Train(c, plan.Plan, plan.Global);
        })];
    }

    private static UpdateAck Submit(ProbeFederation f, int c, SparseUpdate update)
    {
        f.Clients[c].Send(f.Manager, new SubmitUpdate(update));
        // A restarted manager sends the plan again to clients that still owe an update: skip it.
        return (UpdateAck)f.Clients[c].FishForMessage(m => m is UpdateAck, hint: "the update's ack");
    }

    private RoundStatus Status(ProbeFederation f)
    {
        f.Manager.Tell(GetRoundStatus.Instance, TestActor);
        return ExpectMsg<RoundStatus>();
    }

    private AggregatorsOfRound Aggregators(ProbeFederation f)
    {
        f.Manager.Tell(GetAggregators.Instance, TestActor);
        return ExpectMsg<AggregatorsOfRound>();
    }

    /// <summary>The pure strategy merge of round 0 over the first <paramref name="clients"/> clients.</summary>
    private static TrainAggregate Pure(int clients, IReadOnlyList<SparseUpdate> updates, IReadOnlyList<ClientFailure>? failures = null, string name = StrategyFactory.HFedMoE)
    {
        var strategy = StrategyFactory.Create(name, TinyFederation.Options);
        strategy.ConfigureTrain(0, TinyFederation.Initial(), [.. Enumerable.Range(0, clients).Select(TinyFederation.Profile)]);
        return strategy.AggregateTrain(0, updates, failures ?? []);
    }

    private static void AssertSameMetrics(IReadOnlyDictionary<string, double> expected, IReadOnlyDictionary<string, double> actual)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, value) in expected)
        {
            Assert.True(value.Equals(actual[name]), $"metric {name}: expected {value:R}, got {actual[name]:R}");
        }
    }

    [Fact]
    public void Each_trained_expert_goes_to_its_own_aggregator_and_router_and_shared_tensors_to_the_gating_one()
    {
        var observer = CreateTestProbe("observer");
        var f = Create(3, "routing", slot => TapAggregator.For(slot, observer.Ref));
        Open(f);
        var updates = Train(f);
        for (int c = 0; c < 3; c++)
        {
            Submit(f, c, updates[c]);
        }
        var done = f.Subscriber.ExpectMsg<RoundCompleted>();

        var seen = new List<Tapped>();
        while (observer.HasMessages)
        {
            seen.Add((Tapped)observer.ReceiveOne());
        }
        var layout = TinyFederation.Initial().Layout;
        foreach (var u in updates)
        {
            var expected = u.TrainedExperts.Select(e => (e / layout.ExpertsPerLayer, e % layout.ExpertsPerLayer)).Order().ToList();
            var shares = seen.Where(t => t.Message is ExpertShare x && x.Update.ClientId == u.ClientId).ToList();
            Assert.Equal(expected, shares.Select(t => t.Slot!.Value).Order().ToList());
            foreach (var t in shares)
            {
                var share = ((ExpertShare)t.Message).Update;
                Assert.Equal(t.Slot, (share.Layer, share.Expert));
                var names = share.Tensors.Select(x => x.Name).Order(StringComparer.Ordinal);
                var owned = u.Tensors.Where(x => layout[x.Name] is { Role: ParameterRole.Expert } entry && entry.ExpertId == share.Layer * layout.ExpertsPerLayer + share.Expert).Select(x => x.Name).Order(StringComparer.Ordinal);
                Assert.Equal(owned, names);
            }
            var gating = Assert.Single(seen, t => t.Message is GatingShare g && g.Update.ClientId == u.ClientId);
            Assert.Null(gating.Slot);
            var gatingNames = ((GatingShare)gating.Message).Update.Tensors.Select(x => x.Name).Order(StringComparer.Ordinal);
            Assert.Equal(u.Tensors.Where(x => layout[x.Name].Role != ParameterRole.Expert).Select(x => x.Name).Order(StringComparer.Ordinal), gatingNames);
        }
        // Every aggregator was opened once and finalised once.
        Assert.Equal(layout.ExpertCount + 1, seen.Count(t => t.Message is Aggregation.OpenRound));
        Assert.Equal(layout.ExpertCount + 1, seen.Count(t => t.Message is FinalizeRound));

        var pure = Pure(3, updates);
        AggregatorSet.AssertBitIdentical(pure.Model.Values, done.Model.Values);
        AssertSameMetrics(pure.Metrics, done.Metrics);
    }

    public static TheoryData<string> Strategies => [.. StrategyFactory.Names];

    [Theory]
    [MemberData(nameof(Strategies))]
    public void Every_strategy_merges_through_the_aggregators_to_the_pure_strategy_bits_and_metrics(string strategy)
    {
        var f = Create(3, $"strategy-{strategy}", strategy: strategy);
        Open(f);
        Assert.Equal(0, Aggregators(f).Round);
        var updates = Train(f);
        for (int c = 0; c < 3; c++)
        {
            Submit(f, c, updates[c]);
        }
        var done = f.Subscriber.ExpectMsg<RoundCompleted>();

        var pure = Pure(3, updates, name: strategy);
        AggregatorSet.AssertBitIdentical(pure.Model.Values, done.Model.Values);
        AssertSameMetrics(pure.Metrics, done.Metrics);
    }

    [Fact]
    public void A_FedAvg_Naive_update_lost_over_budget_is_counted_in_the_metrics_but_never_reaches_the_aggregators()
    {
        // Tiers t2, t4, t6 fail every step of this task (about 8 experts routed per batch); t8 fits.
        var observer = CreateTestProbe("naive-observer");
        var f = Create(4, "naive", slot => TapAggregator.For(slot, observer.Ref), strategy: StrategyFactory.FedAvgNaive);
        Open(f);
        var updates = Train(f);
        Assert.Equal([true, true, true, false], updates.Select(u => u.FailedSteps > u.LocalSteps / 2));
        for (int c = 0; c < 4; c++)
        {
            Submit(f, c, updates[c]);
        }
        var done = f.Subscriber.ExpectMsg<RoundCompleted>();

        var senders = new HashSet<string>();
        while (observer.HasMessages)
        {
            switch (((Tapped)observer.ReceiveOne()).Message)
            {
                case ExpertShare x: senders.Add(x.Update.ClientId); break;
                case GatingShare g: senders.Add(g.Update.ClientId); break;
            }
        }
        Assert.Equal(["c3"], senders);
        var pure = Pure(4, updates, name: StrategyFactory.FedAvgNaive);
        Assert.Equal(3, pure.Metrics[RoundMetric.Failed]);
        AggregatorSet.AssertBitIdentical(pure.Model.Values, done.Model.Values);
        AssertSameMetrics(pure.Metrics, done.Metrics);
        Assert.NotEqual(TinyFederation.Initial().Values.ToArray(), done.Model.Values.ToArray());
    }

    [Fact]
    public void An_expert_only_a_dropped_client_trained_keeps_its_weights()
    {
        var f = Create(3, "dropped");
        Open(f);
        var updates = Train(f);
        var kept = updates[0].TrainedExperts.Union(updates[1].TrainedExperts).ToHashSet();
        var onlyDropped = updates[2].TrainedExperts.Where(e => !kept.Contains(e)).ToList();
        Assert.NotEmpty(onlyDropped);   // the fixture's tiers make c2 train experts the others do not

        Sys.Stop(f.Clients[2].Ref);
        Submit(f, 0, updates[0]);
        Submit(f, 1, updates[1]);
        var done = f.Subscriber.ExpectMsg<RoundCompleted>();

        Assert.Equal(["c2"], done.Dropped);
        var initial = TinyFederation.Initial();
        foreach (int e in onlyDropped)
        {
            foreach (var entry in initial.Layout.ExpertParameters(e))
            {
                AggregatorSet.AssertBitIdentical(initial.ValuesOf(entry.Name), done.Model.ValuesOf(entry.Name));
            }
        }
        var pure = Pure(3, [updates[0], updates[1]], [new ClientFailure("c2", "the client stopped")]);
        AggregatorSet.AssertBitIdentical(pure.Model.Values, done.Model.Values);
        AssertSameMetrics(pure.Metrics, done.Metrics);
    }

    [Fact]
    public void A_killed_expert_aggregator_is_rebuilt_from_the_spool_and_the_round_commits_the_pure_merge()
    {
        var f = Create(3, "aggregator-killed");
        Open(f);
        var updates = Train(f);
        Submit(f, 0, updates[0]);
        Submit(f, 1, updates[1]);
        var before = Aggregators(f);
        Assert.Equal((0, 0), (before.Round, before.Generation));
        int trained = updates[0].TrainedExperts[0];
        var victim = before.Experts[(trained / 4, trained % 4)];

        Watch(victim);
        victim.Tell(Kill.Instance, TestActor);
        ExpectTerminated(victim);
        AwaitCondition(() => Aggregators(f).Generation == 1);
        Assert.DoesNotContain(victim, Aggregators(f).Experts.Values);

        Submit(f, 2, updates[2]);
        var done = f.Subscriber.ExpectMsg<RoundCompleted>();
        var pure = Pure(3, updates);
        AggregatorSet.AssertBitIdentical(pure.Model.Values, done.Model.Values);
        AssertSameMetrics(pure.Metrics, done.Metrics);
        Assert.Equal(1, Status(f).Model.Version);
    }

    [Fact]
    public async Task An_aggregator_that_refuses_an_accepted_share_fails_the_round_explicitly_and_keeps_the_model()
    {
        var f = Create(2, "refused", slot => slot is null ? Props.Create(() => new RefusingAggregator()) : TapAggregator.For(slot, CreateTestProbe().Ref));
        Open(f);
        var updates = Train(f);
        Submit(f, 0, updates[0]);

        var closed = f.Subscriber.ExpectMsg<RoundClosed>();
        Assert.Contains("refused the share of 'c0': refused by the stand-in", closed.Reason, StringComparison.Ordinal);
        var status = Status(f);
        Assert.Null(status.OpenRound);
        Assert.Equal(0, status.Model.Version);
        Assert.Contains(await Journal("refused"), e => e is RoundClosedIncomplete { Round: 0 });
        Assert.DoesNotContain(await Journal("refused"), e => e is RoundCommitted);
    }

    [Fact]
    public void An_aggregator_that_keeps_failing_is_rebuilt_a_bounded_number_of_times_then_the_round_fails()
    {
        var f = Create(1, "crashing", slot => slot is null ? Props.Create(() => new CrashingAggregator()) : TapAggregator.For(slot, CreateTestProbe().Ref));
        Open(f);
        var updates = Train(f);
        Submit(f, 0, updates[0]);

        var closed = f.Subscriber.ExpectMsg<RoundClosed>();
        Assert.Contains($"an aggregator stopped {RoundManager.MaxAggregatorRebuilds + 1} times", closed.Reason, StringComparison.Ordinal);
        Assert.Equal(0, Status(f).Model.Version);
    }

    public static TheoryData<int> Steps => [0, 1, 2, 3, 4];

    /// <summary>
    /// Kill the manager after step <paramref name="step"/>: 0 the round opened, 1–3 that many
    /// updates acknowledged (3: the merge may be finalising or committed), 4 the round committed.
    /// </summary>
    [Theory]
    [MemberData(nameof(Steps))]
    public async Task A_round_manager_killed_at_any_step_of_a_round_resumes_to_the_same_bits(int step)
    {
        string id = $"killed-at-{step}";
        var f = Create(3, id, supervised: true);
        Open(f);
        var updates = Train(f);
        var pure = Pure(3, updates);
        for (int c = 0; c < 3; c++)
        {
            if (c == step)
            {
                f.Manager.Tell(Kill.Instance, TestActor);
            }
            Submit(f, c, updates[c]);
        }
        if (step >= 3)
        {
            if (step == 4)
            {
                f.Subscriber.ExpectMsg<RoundCompleted>();
            }
            f.Manager.Tell(Kill.Instance, TestActor);
        }
        AwaitCondition(() => Status(f) is { OpenRound: null, NextRound: 1 });

        var status = Status(f);
        AggregatorSet.AssertBitIdentical(pure.Model.Values, status.Model.Values);
        var committed = Assert.Single(await Journal(id), e => e is RoundCommitted);
        var c0 = (RoundCommitted)committed;
        Assert.Equal(Digests.Of(ModelBlob.Write(pure.Model)), c0.ModelDigest);
        AssertSameMetrics(pure.Metrics, c0.Metrics);
        Assert.Empty(c0.Dropped);
    }
}
