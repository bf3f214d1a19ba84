using Akka.Actor;
using HFedMoE.Actors.Cluster;
using HFedMoE.Actors.Rounds;
using HFedMoE.Actors.Security;
using HFedMoE.Actors.Tests.Rounds;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Tests.Cluster;

/// <summary>
/// How the round coordinator registers a client node's client, on a one-node cluster whose
/// gateway is either the real <see cref="ClientGateway"/> or a probe answering as the test likes:
/// with join tokens, only a proof of the id's token made for this coordinator and that very actor
/// opens a session; the round manager knows the client as its <see cref="ClientSession"/>, so an
/// update from another actor or in another client's name never reaches it.
/// </summary>
public sealed class RoundCoordinatorRegistrationTests : CoordinatorKit
{
    [Fact]
    public void A_client_with_its_token_joins_through_a_session_that_refuses_rogue_updates_and_the_model_is_its_merge_alone()
    {
        var client = CreateTestProbe("c0");
        Sys.ActorOf(ClientGateway.Props(TinyFederation.Profile(0), client.Ref, Tokens.Issue("c0")), ClusterRoles.GatewayName);
        Start(Tokens);
        Assert.Equal("clients join with a proof of their join token (hfedmoe.security.join-secret)", Report("clients join"));
        Assert.StartsWith("client c0 registered from ", Report("client c0"), StringComparison.Ordinal);
        var outcomes = CreateTestProbe();
        var manager = Manager(outcomes);

        var train = client.ExpectMsg<TrainRound>();
        var session = client.LastSender;
        Assert.Equal(Coordinator.Path, session.Path.Parent);
        Assert.StartsWith("session-c0-", session.Path.Name, StringComparison.Ordinal);
        var update = TinyFederation.Train(0, train.Plan, train.Global);

        var rogue = CreateTestProbe("rogue");
        EventFilter.Warning(contains: "Refused an update sent to the session of 'c0'").Expect(3, () =>
        {
            rogue.Send(session, new SubmitUpdate(update));
            Assert.Equal($"sent by {rogue.Ref.Path}, not by the actor that joined as 'c0' ({client.Ref.Path})", rogue.ExpectMsg<UpdateRejected>().Reason);
            client.Send(session, new SubmitUpdate(update with { ClientId = "c1" }));
            Assert.Equal("in the name of 'c1'; this client joined as 'c0'", client.ExpectMsg<UpdateRejected>().Reason);
            client.Send(session, new SubmitUpdate(update with { Round = 1 }));
            Assert.Equal("'c0' was given no plan for round 1", client.ExpectMsg<UpdateRejected>().Reason);
        });
        var status = Status(manager);
        Assert.Empty(status.Accepted);
        Assert.Equal(0, status.Model.Version);

        client.Send(session, new SubmitUpdate(update));
        client.ExpectMsg<UpdateAck>();
        var done = outcomes.ExpectMsg<RoundCompleted>();
        Assert.Equal(1, done.Metrics[RoundMetric.Accepted]);
        Assert.True(Pure([TinyFederation.Profile(0)], [update]).Values.SequenceEqual(done.Model.Values), "a refused update changed the merge");
        Assert.Equal($"round 0 committed: model {done.ModelDigest}; dropped none", Report("round 0 committed"));
    }

    [Fact]
    public void A_wrong_or_missing_proof_is_refused_with_the_reason_never_registered_and_that_member_is_not_asked_again_on_every_tick()
    {
        var gateway = CreateTestProbe();
        Sys.ActorOf(RelayGateway.Props(gateway.Ref), ClusterRoles.GatewayName);
        Start(Tokens, identifyInterval: TimeSpan.FromMilliseconds(100));
        var ask = gateway.ExpectMsg<IdentifyClient>();
        Assert.NotEmpty(ask.Challenge);
        var coordinator = gateway.LastSender;
        var client = CreateTestProbe();
        var other = CreateTestProbe();

        EventFilter.Warning(contains: "refused the registration of 'c0'").Expect(3, () =>
        {
            // c1's token, no token, and c0's token for another actor than the one it names.
            gateway.Reply(new GatewayJoin(TinyFederation.Profile(0), client.Ref, Proof(Tokens.Issue("c1"), ask, client.Ref)));
            Assert.Equal("its join proof is not that of client id 'c0' (a token of another id or another federation)", gateway.ExpectMsg<JoinRefused>().Reason);
            gateway.Send(coordinator, new GatewayJoin(TinyFederation.Profile(0), client.Ref, ""));
            Assert.Equal("no join token: this federation requires one (hfedmoe.security.join-token on the client node, from hfedmoe certs)", gateway.ExpectMsg<JoinRefused>().Reason);
            gateway.Send(coordinator, new GatewayJoin(TinyFederation.Profile(0), client.Ref, Proof(Tokens.Issue("c0"), ask, other.Ref)));
            Assert.StartsWith("its join proof is not that of client id 'c0'", gateway.ExpectMsg<JoinRefused>().Reason, StringComparison.Ordinal);
        });
        Assert.StartsWith("client c0 from ", Report("client c0"), StringComparison.Ordinal);

        // Ten ticks of the identify timer: a refused member is not asked again until its membership changes.
        gateway.ExpectNoMsg(TimeSpan.FromSeconds(1));
        var manager = Manager(CreateTestProbe());
        Assert.Empty(Status(manager).Clients!);
        client.ExpectNoMsg(TimeSpan.Zero);

        // The same member with the right proof is then registered (the refusals were the proofs', not the setup's).
        gateway.Send(coordinator, new GatewayJoin(TinyFederation.Profile(0), client.Ref, Proof(Tokens.Issue("c0"), ask, client.Ref)));
        var accepted = gateway.ExpectMsg<JoinAccepted>();
        Assert.Equal(Coordinator.Path, accepted.Session.Path.Parent);
        client.ExpectMsg<TrainRound>();
        Assert.Equal(accepted.Session, client.LastSender);
        Assert.Equal(["c0"], Status(manager).Clients!);
    }

    [Fact]
    public void Without_a_join_secret_ids_are_trusted_but_the_client_still_joins_through_a_session()
    {
        var client = CreateTestProbe("c0");
        Sys.ActorOf(ClientGateway.Props(TinyFederation.Profile(0), client.Ref), ClusterRoles.GatewayName);
        Start(tokens: null);
        Assert.StartsWith("client ids are trusted (no hfedmoe.security.join-secret)", Report("client ids"), StringComparison.Ordinal);
        Report("client c0 registered");

        var train = client.ExpectMsg<TrainRound>();
        Assert.Equal(Coordinator.Path, client.LastSender.Path.Parent);
        var update = TinyFederation.Train(0, train.Plan, train.Global);
        var rogue = CreateTestProbe();
        rogue.Send(client.LastSender, new SubmitUpdate(update));
        Assert.StartsWith("sent by ", rogue.ExpectMsg<UpdateRejected>().Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_profile_the_run_cannot_use_is_refused_once_not_on_every_tick()
    {
        var gateway = CreateTestProbe();
        Sys.ActorOf(RelayGateway.Props(gateway.Ref), ClusterRoles.GatewayName);
        Start(tokens: null, identifyInterval: TimeSpan.FromMilliseconds(100));
        gateway.ExpectMsg<IdentifyClient>();
        var client = CreateTestProbe();

        gateway.Reply(new GatewayJoin(TinyFederation.Profile(0) with { Tier = "t99" }, client.Ref, ""));

        Assert.StartsWith("budget tier 't99' is not one of the run's", gateway.ExpectMsg<JoinRefused>().Reason, StringComparison.Ordinal);
        gateway.ExpectNoMsg(TimeSpan.FromSeconds(1));
    }
}
