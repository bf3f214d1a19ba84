using HFedMoE.Actors.Security;
using HFedMoE.Actors.Serialization;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Tests.Security;

public sealed class SecuritySerializerTests() : FederationTestKit(InMemoryPersistence)
{
    private object RoundTrip(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.Equal(SecuritySerializer.Id, serializer.Identifier);
        return Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, message));
    }

    [Fact]
    public void The_gates_messages_cross_the_wire_as_themselves()
    {
        var join = new JoinFederation(new ClientProfile("c3", 40, 2.5, "t4"), "token");
        Assert.Equal(join, RoundTrip(join));
        Assert.Equal(new JoinRefused("c3", "why"), RoundTrip(new JoinRefused("c3", "why")));
        var accepted = (JoinAccepted)RoundTrip(new JoinAccepted("c3", TestActor));
        Assert.Equal(TestActor, accepted.Session);
    }

    [Fact]
    public void A_gateways_join_and_the_coordinators_challenge_cross_the_wire_as_themselves()
    {
        var join = (GatewayJoin)RoundTrip(new GatewayJoin(new ClientProfile("c3", 40, Tier: "t4"), TestActor, "proof"));
        Assert.Equal(new ClientProfile("c3", 40, Tier: "t4"), join.Profile);
        Assert.Equal(TestActor, join.Client);
        Assert.Equal("proof", join.Proof);
        var ask = new HFedMoE.Actors.Cluster.IdentifyClient { Challenge = "abc" };
        var serializer = Sys.Serialization.FindSerializerFor(ask);
        var back = Sys.Serialization.Deserialize(serializer.ToBinary(ask), serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, ask));
        Assert.Equal(ask, back);
    }
}
