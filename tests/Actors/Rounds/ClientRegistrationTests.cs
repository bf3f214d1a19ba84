using HFedMoE.Actors.Rounds;
using HFedMoE.Model.Federated;
using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit;

namespace HFedMoE.Actors.Tests.Rounds;

/// <summary>Clients that joined by <see cref="RegisterClient"/> (not through the Props) survive a restart of the round manager.</summary>
public sealed class ClientRegistrationTests() : FederationTestKit(Hocon, virtualTime: true)
{
    // The SQLite journal of production (in a temp folder), read back through the SQL read journal.
    private const string Hocon = "";

    private readonly UpdateSpool _spool = UpdateSpool.InMemory();

    /// <summary>A manager with no clients in its Props, restarted (same ref) by its parent on Kill.</summary>
    private IActorRef Manager(string persistenceId, RoundSettings? settings = null)
    {
        var props = RoundManager.Props(TinyFederation.Strategy(), TinyFederation.Initial(), settings ?? new RoundSettings { Deadline = TimeSpan.FromMinutes(1) }, _spool, persistenceId: persistenceId);
        ActorOf(() => new RestartingParent(props)).Tell("child?", TestActor);
        return ExpectMsg<IActorRef>();
    }

    private RoundStatus Status(IActorRef manager)
    {
        manager.Tell(GetRoundStatus.Instance, TestActor);
        return ExpectMsg<RoundStatus>();
    }

    private static SparseUpdate Train(TestProbe probe, int c)
    {
        var plan = probe.ExpectMsg<TrainRound>();
        return TinyFederation.Train(c, plan.Plan, plan.Global);
    }

    [Fact]
    public async Task A_registered_client_is_found_again_by_path_after_a_restart_and_gets_the_plan_it_still_owes()
    {
        var manager = Manager("registered");
        var probes = new[] { CreateTestProbe("c0"), CreateTestProbe("c1") };
        for (int c = 0; c < 2; c++)
        {
            manager.Tell(new RegisterClient(TinyFederation.Profile(c), probes[c].Ref), TestActor);
        }
        manager.Tell(StartRound.Instance, TestActor);
        Assert.Equal(["c0", "c1"], ExpectMsg<RoundOpened>().Participants);
        var u0 = Train(probes[0], 0);
        var u1 = Train(probes[1], 1);
        probes[0].Send(manager, new SubmitUpdate(u0));
        probes[0].ExpectMsg<UpdateAck>();

        manager.Tell(Kill.Instance, TestActor);
        AwaitCondition(() => Status(manager) is { OpenRound: 0, Clients: ["c0", "c1"] });
        // Only c1 owes an update: it is sent its plan again once it has been found.
        Assert.Equal("c1", probes[1].ExpectMsg<TrainRound>().Plan.ClientId);
        probes[0].ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        probes[1].Send(manager, new SubmitUpdate(u1));
        probes[1].ExpectMsg<UpdateAck>();
        AwaitCondition(() => Status(manager) is { OpenRound: null, NextRound: 1 });

        var strategy = TinyFederation.Strategy();
        strategy.ConfigureTrain(0, TinyFederation.Initial(), [TinyFederation.Profile(0), TinyFederation.Profile(1)]);
        AggregatorSet.AssertBitIdentical(strategy.AggregateTrain(0, [u0, u1], []).Model.Values, Status(manager).Model.Values);
        var registered = (await Journal("registered")).OfType<ClientRegistered>().ToList();
        Assert.Equal([TinyFederation.Profile(0), TinyFederation.Profile(1)], registered.Select(r => r.Profile));
        Assert.Equal(probes[0].Ref.Path.ToString(), registered[0].ActorPath);
    }

    [Fact]
    public async Task Registrations_survive_a_snapshot_and_a_second_identical_registration_is_not_journaled_again()
    {
        var manager = Manager("snapshotted", new RoundSettings { Deadline = TimeSpan.FromMinutes(1), SnapshotEvery = 1 });
        var probe = CreateTestProbe("c0");
        var profile = TinyFederation.Profile(0) with { ComputeCap = 3, Tier = null };
        manager.Tell(new RegisterClient(profile, probe.Ref), TestActor);
        manager.Tell(new RegisterClient(profile, probe.Ref), TestActor);
        manager.Tell(StartRound.Instance, TestActor);
        ExpectMsg<RoundOpened>();
        probe.Send(manager, new SubmitUpdate(Train(probe, 0)));
        probe.ExpectMsg<UpdateAck>();
        AwaitCondition(() => Status(manager) is { OpenRound: null, NextRound: 1 });
        Assert.Single((await Journal("snapshotted")).OfType<ClientRegistered>());
        // Recovery starts from the snapshot, so the registration must be in it.
        AwaitCondition(() => LatestSnapshot("snapshotted").GetAwaiter().GetResult() is not null);
        var saved = (RoundManagerSnapshot)(await LatestSnapshot("snapshotted"))!;
        Assert.Equal([profile], saved.Clients.Select(c => c.Profile));

        manager.Tell(Kill.Instance, TestActor);
        AwaitCondition(() => Status(manager) is { NextRound: 1, Clients: ["c0"] });
        manager.Tell(StartRound.Instance, TestActor);
        Assert.Equal(["c0"], ExpectMsg<RoundOpened>().Participants);
        var plan = probe.FishForMessage<TrainRound>(t => t.Plan.Round == 1);
        Assert.Equal(1, plan.Global.Version);
    }
}
