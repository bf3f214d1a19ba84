using HFedMoE.Actors.Clients;
using HFedMoE.Actors.Rounds;
using HFedMoE.Actors.Server;
using HFedMoE.Actors.Tests.Rounds;
using HFedMoE.Model.Federated;
using Akka.Actor;

namespace HFedMoE.Actors.Tests.Clients;

/// <summary>
/// Virtual clients that hold no model: they borrow a trainer from a shared pool only while they
/// train. The federation's results must be bit-identical to one trainer per client.
/// </summary>
public sealed class PooledClientTests() : FederationTestKit(Hocon)
{
    // Two training threads, as in reference.conf: with a pool of one, a second client has to wait for the trainer.
    private const string Hocon = FederationTestKit.InMemoryPersistence + "\nhfedmoe.actor.dedicated-dispatcher.dedicated-thread-pool.thread-count = 2";

    private static readonly TimeSpan RoundTimeout = TimeSpan.FromSeconds(30);

    private static StrategyOptions Options => TinyFederation.Options with { Local = new LocalSettings(Steps: 3, BatchSize: 8, LearningRate: 1e-2) };

    private static RoundSettings Rounds => new() { MinClients = 1, Deadline = TimeSpan.FromMinutes(5), SnapshotEvery = 0 };

    /// <summary>A round manager and <paramref name="clients"/> clients made by <paramref name="props"/>; returns each round's outcome.</summary>
    private List<RoundCompleted> RunRounds(string strategy, int clients, int rounds, Func<int, Props> props, string persistenceId, Action? afterRound = null)
    {
        var registered = Enumerable.Range(0, clients)
            .Select(c => new RegisterClient(TinyFederation.Profile(c), ActorOf(props(c), $"{persistenceId}-client-{c}")))
            .ToList();
        var manager = ActorOf(RoundManager.Props(StrategyFactory.Create(strategy, Options), TinyFederation.Initial(), Rounds,
            UpdateSpool.InMemory(), registered, persistenceId, [TestActor]), persistenceId);
        var completed = new List<RoundCompleted>();
        for (int r = 0; r < rounds; r++)
        {
            manager.Tell(StartRound.Instance, TestActor);
            ExpectMsg<RoundOpened>(o => Assert.Equal(clients, o.Participants.Count));
            completed.Add(ExpectMsg<RoundCompleted>(RoundTimeout));
            afterRound?.Invoke();
        }
        return completed;
    }

    [Theory]
    [InlineData(StrategyFactory.HFedMoE, 1)]
    [InlineData(StrategyFactory.HFedMoE, 2)]
    [InlineData(StrategyFactory.HeteroFL, 1)]
    public void Pooled_trainers_give_the_same_models_bit_for_bit_as_one_trainer_per_client(string strategy, int poolSize)
    {
        const int clients = 6, rounds = 3;
        var own = RunRounds(strategy, clients, rounds,
            c => Client.Props(TinyFederation.Profile(c), TinyFederation.Data(c), new LocalTrainer(TinyFederation.Config)), "own");
        var pool = TrainerPool.For(TinyFederation.Config, null, poolSize);
        var pooled = RunRounds(strategy, clients, rounds,
            c => Client.Props(TinyFederation.Profile(c), TinyFederation.Data(c), pool), "pooled");

        Assert.Equal(own.Select(r => r.ModelDigest), pooled.Select(r => r.ModelDigest));
        Assert.True(own[^1].Model.Values.SequenceEqual(pooled[^1].Model.Values), "the pooled federation's final model differs");
        Assert.Equal(rounds, pooled[^1].Model.Version);
        Assert.InRange(pool.Created, 1, poolSize);
    }

    [Fact]
    public void A_client_gives_its_trainer_back_before_its_update_leaves()
    {
        var pool = TrainerPool.For(TinyFederation.Config, null, 1);
        var client = ActorOf(Client.Props(TinyFederation.Profile(2), TinyFederation.Data(2), pool));
        var global = TinyFederation.Initial();
        var plan = TinyFederation.Strategy().ConfigureTrain(0, global, [TinyFederation.Profile(2)]).Single();
        client.Tell(new TrainRound(plan, global), TestActor);

        var update = ExpectMsg<SubmitUpdate>(RoundTimeout).Update;
        // The update is sent after the lease is disposed, so receiving it proves the return.
        Assert.Equal((1, 1), (pool.Available, pool.Created));
        Assert.Equal(Digests.Of(Digests.Serialize(TinyFederation.Train(2, plan, global))), Digests.Of(Digests.Serialize(update)));
    }

    [Fact]
    public void After_each_round_every_trainer_is_back_in_the_pool()
    {
        var pool = TrainerPool.For(TinyFederation.Config, null, 2);
        var available = new List<int>();
        // Every update is in when the round completes, and each was sent after its lease was disposed.
        var rounds = RunRounds(StrategyFactory.HFedMoE, 5, 2, c => Client.Props(TinyFederation.Profile(c), TinyFederation.Data(c), pool), "rounds",
            () => available.Add(pool.Available));
        Assert.Equal([2, 2], available);
        Assert.Equal(2, rounds.Count);
        Assert.InRange(pool.Created, 1, 2);
    }

    [Fact]
    public void Twelve_clients_sharing_a_pool_of_one_trainer_complete_their_rounds_through_the_federation_server()
    {
        var setup = new FederationSetup(StrategyFactory.HFedMoE, Options, TinyFederation.Config, TinyFederation.Initial(),
            [.. Enumerable.Range(0, 12).Select(c => new ClientSetup(TinyFederation.Profile(c), TinyFederation.Data(c)))],
            Rounds with { MinClients = 12 }, TrainerPoolSize: 1);
        var server = ActorOf(FederationServer.Props(setup, UpdateSpool.InMemory()));
        server.Tell(new RunRounds(2), TestActor);

        var result = ExpectMsg<FederationResult>(RoundTimeout);
        Assert.Equal([0, 1], result.Rounds.Select(r => Assert.IsType<RoundCompleted>(r).Round));
        Assert.Equal(12, result.FinalMetrics[RoundMetric.Accepted]);
        Assert.Equal(2, result.Model.Version);
    }
}
