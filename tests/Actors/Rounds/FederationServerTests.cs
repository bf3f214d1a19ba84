using HFedMoE.Actors.Rounds;
using HFedMoE.Actors.Server;
using HFedMoE.Model.Federated;
using Akka.Actor;
using Xunit.Abstractions;

namespace HFedMoE.Actors.Tests.Rounds;

/// <summary>The in-process federation end to end: real clients training on the dedicated dispatcher.</summary>
public sealed class FederationServerTests(ITestOutputHelper output) : FederationTestKit(Hocon)
{
    private const string Hocon = FederationTestKit.InMemoryPersistence;

    private static FederationSetup Setup(string persistenceId = RoundManager.DefaultPersistenceId) => new(
        StrategyFactory.HFedMoE,
        TinyFederation.Options with { Local = new LocalSettings(Steps: 6, BatchSize: 8, LearningRate: 1e-2) },
        TinyFederation.Config,
        TinyFederation.Initial(),
        [.. Enumerable.Range(0, 4).Select(c => new ClientSetup(TinyFederation.Profile(c), TinyFederation.Data(c)))],
        new RoundSettings { MinClients = 3, Deadline = TimeSpan.FromMinutes(5), SnapshotEvery = 2 },
        PersistenceId: persistenceId);

    [Fact]
    public void Three_rounds_of_a_tiny_federation_improve_test_accuracy()
    {
        var setup = Setup();
        var server = ActorOf(FederationServer.Props(setup, UpdateSpool.InMemory()));
        server.Tell(new RunRounds(3), TestActor);
        var result = ExpectMsg<FederationResult>(TimeSpan.FromSeconds(30));

        Assert.Equal(3, result.Rounds.Count);
        Assert.All(result.Rounds, r => Assert.IsType<RoundCompleted>(r));
        Assert.Equal(3, result.Model.Version);
        Assert.Equal(4, result.FinalMetrics[RoundMetric.Accepted]);
        var test = TinyFederation.Test();
        double before = TinyFederation.Accuracy(setup.Initial, test), after = TinyFederation.Accuracy(result.Model, test);
        output.WriteLine($"accuracy {before:F3} → {after:F3}");
        Assert.True(after > before + 0.1, $"accuracy {before:F3} → {after:F3}");
    }

    [Fact]
    public async Task A_round_manager_killed_during_the_run_recovers_and_the_run_ends_with_the_same_model_bits()
    {
        var reference = ActorOf(FederationServer.Props(Setup("reference"), UpdateSpool.InMemory()));
        reference.Tell(new RunRounds(3), TestActor);
        var expected = ExpectMsg<FederationResult>(TimeSpan.FromSeconds(30));

        var server = ActorOf(FederationServer.Props(Setup(), UpdateSpool.InMemory()));
        server.Tell(new Identify(0), TestActor);
        ExpectMsg<ActorIdentity>();   // answered after PreStart: the children exist
        var manager = await Sys.ActorSelection($"{server.Path}/round-manager").ResolveOne(TimeSpan.FromSeconds(3));
        var watcher = CreateTestProbe();
        manager.Tell(new SubscribeRounds(watcher.Ref), TestActor);
        server.Tell(new RunRounds(3), TestActor);
        watcher.ExpectMsg<RoundCompleted>(TimeSpan.FromSeconds(10));
        manager.Tell(Kill.Instance, TestActor);   // round 1 is starting or under way

        var result = ExpectMsg<FederationResult>(TimeSpan.FromSeconds(30));
        Assert.Equal([0, 1, 2], result.Rounds.Select(r => ((RoundCompleted)r).Round));
        Assert.True(expected.Model.Values.SequenceEqual(result.Model.Values), "the interrupted run's model differs from the uninterrupted one");
    }

    [Fact]
    public void A_server_started_over_an_existing_journal_answers_with_new_rounds_only()
    {
        var spool = UpdateSpool.InMemory();
        var first = ActorOf(FederationServer.Props(Setup(), spool));
        first.Tell(new RunRounds(1), TestActor);
        Assert.Equal(0, ((RoundCompleted)ExpectMsg<FederationResult>(TimeSpan.FromSeconds(30)).Rounds[0]).Round);
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);

        // The new manager recovers round 0 and publishes it again; that is not the answer to this request.
        var second = ActorOf(FederationServer.Props(Setup(), spool));
        second.Tell(new RunRounds(1), TestActor);
        var result = ExpectMsg<FederationResult>(TimeSpan.FromSeconds(30));

        Assert.Equal([1], result.Rounds.Select(r => ((RoundCompleted)r).Round));
        Assert.Equal(2, result.Model.Version);
    }

    [Fact]
    public void Asking_for_zero_rounds_fails_with_the_reason()
    {
        var server = ActorOf(FederationServer.Props(Setup(), UpdateSpool.InMemory()));
        server.Tell(new RunRounds(0), TestActor);
        Assert.Contains("expected ≥ 1", ExpectMsg<FederationFailed>().Reason, StringComparison.Ordinal);
    }
}
