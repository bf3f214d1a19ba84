using HFedMoE.Actors.Registry;
using HFedMoE.Actors.Rounds;
using HFedMoE.Model.Federated;
using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit;
using RoundCommitted = HFedMoE.Actors.Rounds.RoundCommitted;

namespace HFedMoE.Actors.Tests.Rounds;

/// <summary>
/// The round manager commits each round through its <see cref="ExpertRegistry"/> child: the
/// registry's model is the one committed, its versions move only where values changed, a refusal
/// fails the round explicitly, and it keeps each client's importance history.
/// </summary>
public sealed class RegistryCommitTests() : FederationTestKit(Hocon, virtualTime: true)
{
    // The SQLite journal of production (in a temp folder), read back through the SQL read journal.
    private const string Hocon = "";

    /// <summary>A round trains and merges on two cores shared with the other test classes: wait generously.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly UpdateSpool _spool = UpdateSpool.InMemory();

    private ProbeFederation Create(int clients, string persistenceId, Func<GlobalModel, Props>? registry = null, IFederatedStrategy? strategy = null, bool supervised = false)
    {
        var probes = Enumerable.Range(0, clients).Select(c => CreateTestProbe($"{persistenceId}-c{c}")).ToArray();
        var registrations = ProbeFederation.Registrations(probes);
        var settings = new RoundSettings { Deadline = TimeSpan.FromMinutes(1), MinClients = 1 };
        var props = RoundManager.Props(strategy ?? TinyFederation.Strategy(), TinyFederation.Initial(), settings, _spool, registrations, persistenceId, aggregatorProps: null, registry);
        return ProbeFederation.Start(this, props, probes, supervised);
    }

    /// <summary>Opens a round and submits every client's update to the plan it received.</summary>
    private List<SparseUpdate> RunRound(ProbeFederation f)
    {
        f.Manager.Tell(StartRound.Instance, TestActor);
        ExpectMsg<RoundOpened>(Patience);
        var updates = f.Clients.Select((probe, c) =>
        {
            var plan = probe.ExpectMsg<TrainRound>(Patience);
            return TinyFederation.Train(c, plan.Plan, plan.Global);
        }).ToList();
        for (int c = 0; c < updates.Count; c++)
        {
            f.Clients[c].Send(f.Manager, new SubmitUpdate(updates[c]));
            f.Clients[c].FishForMessage(m => m is UpdateAck, Patience, hint: "the update's ack");
        }
        return updates;
    }

    private IActorRef RegistryOf(ProbeFederation f)
    {
        f.Manager.Tell(GetExpertRegistry.Instance, TestActor);
        return ExpectMsg<ExpertRegistryOf>(Patience).Registry!;
    }

    private GlobalModel ModelOf(IActorRef registry)
    {
        registry.Tell(new GetModel(), TestActor);
        return ExpectMsg<CurrentModel>(Patience).Model;
    }

    private RoundStatus Status(ProbeFederation f)
    {
        f.Manager.Tell(GetRoundStatus.Instance, TestActor);
        return ExpectMsg<RoundStatus>(Patience);
    }

    private static bool SameBits(ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(a).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(b));

    [Fact]
    public void A_round_commits_the_registrys_model_and_only_merged_experts_move_their_version()
    {
        var f = Create(1, "through-registry");
        var updates = RunRound(f);
        var done = f.Subscriber.ExpectMsg<RoundCompleted>(Patience);
        var registry = RegistryOf(f);
        var initial = TinyFederation.Initial();
        var names = initial.Layout.Entries.Where(e => e.Role == ParameterRole.Expert).Select(e => e.Name).ToList();

        registry.Tell(new GetExperts(names), TestActor);
        var experts = ExpectMsg<ExpertTensors>(Patience);

        Assert.Equal(1, experts.ModelVersion);
        AggregatorSet.AssertBitIdentical(done.Model.Values, ModelOf(registry).Values);
        var trained = updates[0].TrainedExperts.ToHashSet();
        for (int i = 0; i < names.Count; i++)
        {
            int expert = initial.Layout[names[i]].ExpertId;
            bool moved = !SameBits(initial.ValuesOf(names[i]), experts.Tensors[i].Values.Span);
            Assert.Equal(moved ? 1 : 0, experts.ChangedInVersion[i]);
            AggregatorSet.AssertBitIdentical(done.Model.ValuesOf(names[i]), experts.Tensors[i].Values.Span);
            if (!trained.Contains(expert))
            {
                Assert.Equal(0, experts.ChangedInVersion[i]);   // nobody merged it: it keeps its values and version
            }
        }
        Assert.Contains(1, experts.ChangedInVersion);
        Assert.Contains(0, experts.ChangedInVersion);
    }

    [Fact]
    public async Task A_registry_refusal_fails_the_round_explicitly_and_keeps_the_model()
    {
        var f = Create(2, "registry-refuses", m => Props.Create(() => new RefusingRegistry(m)));
        RunRound(f);

        var closed = f.Subscriber.ExpectMsg<RoundClosed>(Patience);

        Assert.Equal("the expert registry could not commit the round: refused by the stand-in registry", closed.Reason);
        var status = Status(f);
        Assert.Null(status.OpenRound);
        Assert.Equal(0, status.Model.Version);
        var journal = await Journal("registry-refuses");
        Assert.Contains(journal, e => e is RoundClosedIncomplete { Round: 0 });
        Assert.DoesNotContain(journal, e => e is RoundCommitted);
    }

    [Fact]
    public void A_registry_that_stops_mid_commit_fails_the_round_and_is_replaced_with_the_unchanged_model()
    {
        int created = 0;
        var f = Create(1, "registry-crashes", m => created++ == 0 ? Props.Create(() => new CrashingRegistry(m)) : ExpertRegistry.PropsFor(m));
        var first = RegistryOf(f);
        RunRound(f);

        var closed = f.Subscriber.ExpectMsg<RoundClosed>(Patience);

        Assert.Equal("the expert registry stopped before it answered the round's commit", closed.Reason);
        var replacement = RegistryOf(f);
        Assert.NotEqual(first, replacement);
        Assert.Equal(0, ModelOf(replacement).Version);
        // The next round commits through the replacement.
        RunRound(f);
        Assert.Equal(1, f.Subscriber.ExpectMsg<RoundCompleted>(Patience).Round);
        Assert.Equal(1, ModelOf(replacement).Version);
    }

    [Fact]
    public void The_registry_keeps_each_clients_importance_scores_per_round()
    {
        var f = Create(2, "importance");
        var round0 = RunRound(f);
        f.Subscriber.ExpectMsg<RoundCompleted>(Patience);
        var round1 = RunRound(f);
        f.Subscriber.ExpectMsg<RoundCompleted>(Patience);
        var registry = RegistryOf(f);

        registry.Tell(new GetImportanceHistory("c1"), TestActor);
        var history = ExpectMsg<ImportanceHistory>(Patience);

        Assert.Equal([0, 1], history.Rounds.Select(r => r.Round));
        Assert.Equal(round0[1].Importance, history.Rounds[0].Importance);
        Assert.Equal(round1[1].Importance, history.Rounds[1].Importance);
    }

    [Fact]
    public void After_a_restart_the_registry_is_rebuilt_from_the_recovered_model()
    {
        var f = Create(2, "registry-restart", supervised: true);
        RunRound(f);
        var done = f.Subscriber.ExpectMsg<RoundCompleted>(Patience);
        var before = RegistryOf(f);

        f.Manager.Tell(Kill.Instance, TestActor);
        AwaitCondition(() => RegistryOf(f) is var r && !r.Equals(before), Patience);

        var model = ModelOf(RegistryOf(f));
        Assert.Equal(1, model.Version);
        AggregatorSet.AssertBitIdentical(done.Model.Values, model.Values);
    }

    [Fact]
    public void A_strategy_merging_inside_the_manager_also_commits_through_the_registry()
    {
        var f = Create(3, "in-manager", strategy: new InManagerStrategy(TinyFederation.Strategy()));
        var updates = RunRound(f);
        var done = f.Subscriber.ExpectMsg<RoundCompleted>(Patience);

        var strategy = TinyFederation.Strategy();
        strategy.ConfigureTrain(0, TinyFederation.Initial(), [.. Enumerable.Range(0, 3).Select(TinyFederation.Profile)]);
        var pure = strategy.AggregateTrain(0, updates, []);
        AggregatorSet.AssertBitIdentical(pure.Model.Values, done.Model.Values);
        var registry = ModelOf(RegistryOf(f));
        Assert.Equal(1, registry.Version);
        AggregatorSet.AssertBitIdentical(pure.Model.Values, registry.Values);
    }
}
