using Akka.Actor;
using Akka.TestKit;
using HFedMoE.Actors.Cluster;
using HFedMoE.Actors.Rounds;
using HFedMoE.Actors.Security;
using HFedMoE.Actors.Tests.Rounds;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Tests.Cluster;

/// <summary>
/// Issue 17's must-show on a real two-member cluster over loopback (the test's node hosts the
/// coordinator and client c0, a second actor system hosts the other client, with the real
/// <see cref="ClientGateway"/>s and join tokens): a member that sends an update for an expert it was
/// not assigned, or in another client's name, is refused and the model is that of the honest
/// updates alone; a second member claiming an id it has no token for is refused and the first
/// keeps its session; one with the token (the client restarted elsewhere) replaces it.
/// </summary>
public sealed class ClusterAuthorisationTests : CoordinatorKit
{
    /// <summary>Client c1 with a compute cap below one expert: its plan's budget is 0, so it may train no expert.</summary>
    private static readonly ClientProfile NoExperts = new("c1", 40, ComputeCap: 0.5);

    private TestProbe JoinHonestC0()
    {
        var c0 = CreateTestProbe("c0");
        Sys.ActorOf(ClientGateway.Props(TinyFederation.Profile(0), c0.Ref, Tokens.Issue("c0")), ClusterRoles.GatewayName);
        return c0;
    }

    /// <summary><paramref name="from"/>'s reference to <paramref name="actor"/> of the test's node, as a remote node would have it.</summary>
    private static IActorRef Remote(ActorSystem from, IActorRef actor) =>
        from.ActorSelection(Akka.Serialization.Serialization.SerializedActorPath(actor).Split('#')[0]).ResolveOne(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();

    [Fact]
    public void A_member_sending_updates_for_experts_it_was_not_assigned_or_in_another_clients_name_is_refused_and_the_model_is_the_honest_merge()
    {
        var c0 = JoinHonestC0();
        TestProbe rogue = null!;
        var node = StartMember(system =>
        {
            rogue = CreateTestProbe(system, "c1");
            return ClientGateway.Props(NoExperts, rogue.Ref, Tokens.Issue("c1"));
        });
        Start(Tokens, minClients: 2);
        var outcomes = CreateTestProbe();
        Report("round 0 started");
        var manager = Manager(outcomes);

        var train0 = c0.ExpectMsg<TrainRound>(TimeSpan.FromSeconds(30));
        var session0 = c0.LastSender;
        var train1 = rogue.ExpectMsg<TrainRound>(TimeSpan.FromSeconds(30));
        var session1 = rogue.LastSender;
        Assert.Equal(0, train1.Plan.ExpertBudget);
        var honest0 = TinyFederation.Train(0, train0.Plan, train0.Global);
        var honest1 = TinyFederation.Train(1, train1.Plan, train1.Global);
        var overBudget = TinyFederation.Train(1, train1.Plan with { ExpertBudget = 2 }, train1.Global) with { ClientId = "c1" };
        Assert.NotEmpty(overBudget.TrainedExperts);

        EventFilter.Warning(contains: "Refused an update sent to the session of").Expect(3, () =>
        {
            rogue.Send(session1, new SubmitUpdate(overBudget));
            Assert.Matches(@"^expert \d+ was not assigned to 'c1' in round 0 \(its budget is 0\)$", rogue.ExpectMsg<UpdateRejected>().Reason);
            rogue.Send(session1, new SubmitUpdate(honest0));
            Assert.Equal("in the name of 'c0'; this client joined as 'c1'", rogue.ExpectMsg<UpdateRejected>().Reason);
            // c0's session, found by its path from the rogue's node: the update is in c0's name but not from c0's actor.
            rogue.Send(Remote(node, session0), new SubmitUpdate(overBudget with { ClientId = "c0" }));
            Assert.StartsWith("sent by akka.tcp://", rogue.ExpectMsg<UpdateRejected>().Reason, StringComparison.Ordinal);
        });
        Assert.Empty(Status(manager).Accepted);

        rogue.Send(session1, new SubmitUpdate(honest1));
        rogue.ExpectMsg<UpdateAck>();
        c0.Send(session0, new SubmitUpdate(honest0));
        c0.ExpectMsg<UpdateAck>();
        var done = outcomes.ExpectMsg<RoundCompleted>();
        Assert.Equal(2, done.Metrics[RoundMetric.Accepted]);
        var expected = Pure([TinyFederation.Profile(0), NoExperts], [honest0, honest1]);
        Assert.True(expected.Values.SequenceEqual(done.Model.Values), "a refused update changed the model");
        Assert.Equal($"round 0 committed: model {done.ModelDigest}; dropped none", Report("round 0 committed"));
    }

    [Fact]
    public void A_second_member_claiming_an_id_without_its_token_is_refused_and_the_first_keeps_its_session()
    {
        var c0 = JoinHonestC0();
        Start(Tokens);
        var train = c0.ExpectMsg<TrainRound>(TimeSpan.FromSeconds(30));
        var session = c0.LastSender;
        var update = TinyFederation.Train(0, train.Plan, train.Global);
        var said = CreateTestProbe();
        var saidRef = said.Ref;

        StartMember(system => ClientGateway.Props(TinyFederation.Profile(0), CreateTestProbe(system).Ref, Tokens.Issue("c1"), line => saidRef.Tell(line)));

        Assert.Matches(@"^client c0 from akka\.tcp://\S+ refused: its join proof is not that of client id 'c0'", Report("client c0 from"));
        Assert.StartsWith("client c0: refused by the round coordinator on akka.tcp://", said.ExpectMsg<string>(TimeSpan.FromSeconds(30)), StringComparison.Ordinal);
        c0.Send(session, new SubmitUpdate(update));
        // Through the session it had before the impostor came.
        c0.ExpectMsg<UpdateAck>();
        Report("round 0 committed");
    }

    [Fact]
    public void A_second_member_with_the_ids_token_replaces_the_first_session_and_gets_the_plan_it_owes()
    {
        var c0 = JoinHonestC0();
        Start(Tokens);
        c0.ExpectMsg<TrainRound>(TimeSpan.FromSeconds(30));
        var first = c0.LastSender;
        Watch(first);
        TestProbe restarted = null!;

        StartMember(system =>
        {
            restarted = CreateTestProbe(system, "c0");
            return ClientGateway.Props(TinyFederation.Profile(0), restarted.Ref, Tokens.Issue("c0"));
        });

        Assert.Matches(@"^client c0 registered again from akka\.tcp://\S+: its earlier session \(from akka\.tcp://\S+\) is closed$", Report("client c0 registered again"));
        ExpectTerminated(first);
        var train = restarted.ExpectMsg<TrainRound>(TimeSpan.FromSeconds(30));
        Assert.NotEqual(first.Path, restarted.LastSender.Path);
        restarted.Send(restarted.LastSender, new SubmitUpdate(TinyFederation.Train(0, train.Plan, train.Global)));
        restarted.ExpectMsg<UpdateAck>();
        Report("round 0 committed");
    }

    [Fact]
    public void Every_round_reaches_each_member_through_the_session_it_joined_with()
    {
        var c0 = JoinHonestC0();
        TestProbe c1 = null!;
        StartMember(system =>
        {
            c1 = CreateTestProbe(system, "c1");
            return ClientGateway.Props(TinyFederation.Profile(1), c1.Ref, Tokens.Issue("c1"));
        });
        Start(Tokens, minClients: 2, rounds: 2);

        var sessions = new IActorRef?[2];
        for (int round = 0; round < 2; round++)
        {
            foreach (var (probe, c) in new[] { (c0, 0), (c1, 1) })
            {
                var train = probe.ExpectMsg<TrainRound>(TimeSpan.FromSeconds(30));
                Assert.Equal(round, train.Plan.Round);
                sessions[c] ??= probe.LastSender;
                Assert.Equal(sessions[c], probe.LastSender);
                probe.Send(probe.LastSender, new SubmitUpdate(TinyFederation.Train(c, train.Plan, train.Global)));
                probe.ExpectMsg<UpdateAck>();
            }
            Report($"round {round} committed");
        }
        Assert.StartsWith("run complete: 2 rounds", Report("run complete"), StringComparison.Ordinal);
    }
}
