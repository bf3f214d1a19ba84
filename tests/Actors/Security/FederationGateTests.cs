using Akka.Actor;
using Akka.TestKit;
using HFedMoE.Actors.Rounds;
using HFedMoE.Actors.Security;
using HFedMoE.Actors.Tests.Rounds;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Tests.Security;

/// <summary>
/// Authorisation at the server, against the real round manager and aggregators of the tiny
/// federation, with probes as the remote clients: a client joins only with the token of its id,
/// and its session passes on only updates the joined actor sends in its own name for experts it
/// was assigned; everything else is refused with the reason, logged, and leaves the model as the
/// merge of the legitimate updates alone.
/// </summary>
public sealed class FederationGateTests() : FederationTestKit(InMemoryPersistence, virtualTime: true)
{
    private readonly JoinTokens _tokens = new(JoinTokens.NewSecret());

    private (IActorRef Manager, IActorRef Gate, TestProbe Outcomes) Server()
    {
        var settings = new RoundSettings { Deadline = TimeSpan.FromMinutes(1), MinClients = 1 };
        var manager = Sys.ActorOf(RoundManager.Props(TinyFederation.Strategy(), TinyFederation.Initial(), settings, UpdateSpool.InMemory(), [], "round-manager"));
        var outcomes = CreateTestProbe();
        manager.Tell(new SubscribeRounds(outcomes.Ref), TestActor);
        return (manager, Sys.ActorOf(FederationGate.Props(manager, _tokens)), outcomes);
    }

    private IActorRef Join(IActorRef gate, TestProbe client, int c)
    {
        client.Send(gate, new JoinFederation(TinyFederation.Profile(c), _tokens.Issue($"c{c}")));
        return client.ExpectMsg<JoinAccepted>().Session;
    }

    private RoundStatus Status(IActorRef manager)
    {
        manager.Tell(GetRoundStatus.Instance, TestActor);
        return ExpectMsg<RoundStatus>();
    }

    private static GlobalModel Pure(IReadOnlyList<SparseUpdate> updates)
    {
        var strategy = TinyFederation.Strategy();
        strategy.ConfigureTrain(0, TinyFederation.Initial(), [TinyFederation.Profile(0), TinyFederation.Profile(1)]);
        return strategy.AggregateTrain(0, updates, []).Model;
    }

    [Fact]
    public void A_join_whose_token_is_not_its_ids_is_refused_logged_and_never_registered()
    {
        var (manager, gate, _) = Server();
        var impostor = CreateTestProbe();

        EventFilter.Warning(contains: "the join token does not prove client id 'c0'").ExpectOne(() =>
            impostor.Send(gate, new JoinFederation(TinyFederation.Profile(0), _tokens.Issue("c1"))));

        Assert.Equal("the join token does not prove client id 'c0'", impostor.ExpectMsg<JoinRefused>().Reason);
        Assert.Empty(Status(manager).Clients!);
    }

    [Fact]
    public void Updates_in_another_clients_name_or_from_another_actor_are_refused_and_the_model_is_the_legitimate_merge()
    {
        var (manager, gate, outcomes) = Server();
        TestProbe[] clients = [CreateTestProbe("c0"), CreateTestProbe("c1")];
        var sessions = clients.Select((p, c) => Join(gate, p, c)).ToArray();
        Assert.Equal(["c0", "c1"], Status(manager).Clients!);
        manager.Tell(StartRound.Instance, TestActor);
        ExpectMsg<RoundOpened>();
        var updates = clients.Select((p, c) =>
        {
            var train = p.ExpectMsg<TrainRound>();
            Assert.Equal(sessions[c], p.LastSender);
            return TinyFederation.Train(c, train.Plan, train.Global);
        }).ToList();

        // c1 submits c0's update through its own session, then its own update through c0's session.
        EventFilter.Warning(contains: "Refused an update").Expect(2, () =>
        {
            clients[1].Send(sessions[1], new SubmitUpdate(updates[0]));
            Assert.Equal("in the name of 'c0'; this client joined as 'c1'", clients[1].ExpectMsg<UpdateRejected>().Reason);
            clients[1].Send(sessions[0], new SubmitUpdate(updates[1]));
            Assert.Equal($"sent by {clients[1].Ref.Path}, not by the actor that joined as 'c0' ({clients[0].Ref.Path})", clients[1].ExpectMsg<UpdateRejected>().Reason);
        });
        var status = Status(manager);
        Assert.Empty(status.Accepted);
        Assert.Equal(0, status.Model.Version);

        clients[0].Send(sessions[0], new SubmitUpdate(updates[0]));
        clients[0].ExpectMsg<UpdateAck>();
        clients[1].Send(sessions[1], new SubmitUpdate(updates[1]));
        clients[1].ExpectMsg<UpdateAck>();
        var done = outcomes.ExpectMsg<RoundCompleted>();
        Assert.Equal(2, done.Metrics[RoundMetric.Accepted]);
        Assert.True(Pure(updates).Values.SequenceEqual(done.Model.Values), "a refused update changed the merge");
    }

    [Fact]
    public void An_update_for_an_expert_the_plan_did_not_assign_never_reaches_the_round_manager()
    {
        var manager = CreateTestProbe();
        var client = CreateTestProbe();
        var session = Sys.ActorOf(ClientSession.Props("c0", client.Ref, manager.Ref));
        var global = TinyFederation.Initial();
        var open = TinyFederation.Strategy().ConfigureTrain(0, global, [TinyFederation.Profile(0)])[0];
        var update = TinyFederation.Train(0, open, global);
        Assert.Contains(update.TrainedExperts, e => e != update.TrainedExperts[0]);
        var plan = open with { AssignedExperts = [update.TrainedExperts[0]] };
        manager.Send(session, new TrainRound(plan, global));
        client.ExpectMsg<TrainRound>();

        EventFilter.Warning(contains: "was not assigned to 'c0' in round 0").ExpectOne(() =>
            client.Send(session, new SubmitUpdate(update)));

        var refused = client.ExpectMsg<UpdateRejected>();
        Assert.Matches($@"^expert \d+ was not assigned to 'c0' in round 0 \(assigned: {update.TrainedExperts[0]}\)$", refused.Reason);
        manager.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        // Within its assignment the same client's update goes through.
        manager.Send(session, new TrainRound(open, global));
        client.ExpectMsg<TrainRound>();
        client.Send(session, new SubmitUpdate(update));
        Assert.Same(update, manager.ExpectMsg<SubmitUpdate>().Update);
    }

    [Fact]
    public void A_session_passes_on_its_clients_training_failure_and_refuses_one_from_another_actor_or_name()
    {
        var manager = CreateTestProbe();
        var client = CreateTestProbe();
        var rogue = CreateTestProbe();
        var session = Sys.ActorOf(ClientSession.Props("c0", client.Ref, manager.Ref));

        EventFilter.Warning(contains: "Refused a training failure").Expect(2, () =>
        {
            rogue.Send(session, new TrainingFailed(0, "c0", "forged"));
            client.Send(session, new TrainingFailed(0, "c1", "in another name"));
        });
        manager.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        var failed = new TrainingFailed(0, "c0", "ExternalException: toFloat");
        client.Send(session, failed);
        Assert.Equal(failed, manager.ExpectMsg<TrainingFailed>());
    }

    [Fact]
    public void A_session_ends_with_its_client_and_a_valid_rejoin_replaces_it()
    {
        var (manager, gate, _) = Server();
        var first = CreateTestProbe();
        var session = Join(gate, first, 0);
        Watch(session);
        var again = CreateTestProbe();

        var replaced = Join(gate, again, 0);

        ExpectTerminated(session);
        Assert.NotEqual(session, replaced);
        Watch(replaced);
        Sys.Stop(again.Ref);
        ExpectTerminated(replaced);
        AwaitAssert(() => Assert.Empty(Status(manager).Clients!));
    }
}
