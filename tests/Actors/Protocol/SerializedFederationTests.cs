using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using HFedMoE.Actors.Configuration;
using HFedMoE.Actors.Rounds;
using HFedMoE.Actors.Serialization;
using HFedMoE.Actors.Server;
using HFedMoE.Actors.Tests.Rounds;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Tests.Protocol;

/// <summary>
/// The proof that the actors share nothing: the tiny federation with every message serialized
/// and deserialized on the way (Akka's <c>akka.actor.serialize-messages = on</c>) ends with the same
/// model bits as with the messages passed by reference.
/// </summary>
public sealed class SerializedFederationTests() : FederationTestKit(InMemoryPersistence + SerializeMessages)
{
    private const string SerializeMessages = "\nakka.actor.serialize-messages = on";

    private static FederationSetup Setup() => new(
        StrategyFactory.HFedMoE,
        TinyFederation.Options with { Local = new LocalSettings(Steps: 3, BatchSize: 8, LearningRate: 1e-2) },
        TinyFederation.Config,
        TinyFederation.Initial(),
        [.. Enumerable.Range(0, 4).Select(c => new ClientSetup(TinyFederation.Profile(c), TinyFederation.Data(c)))],
        new RoundSettings { MinClients = 3, Deadline = TimeSpan.FromMinutes(5), SnapshotEvery = 2 });

    [Fact]
    public async Task Two_rounds_with_serialize_messages_on_end_with_the_same_model_bits_as_with_it_off()
    {
        FederationResult expected;
        using (var off = ActorSystem.Create("off", HfedmoeConfig.ActorSystemConfig(ConfigurationFactory.ParseString(InMemoryPersistence))))
        {
            Assert.False(off.Settings.SerializeAllMessages);
            var reference = off.ActorOf(FederationServer.Props(Setup(), UpdateSpool.InMemory()));
            expected = await reference.Ask<FederationResult>(new RunRounds(2), TimeSpan.FromSeconds(60));
        }

        // The mode is on: a plan sent to a probe arrives as a copy made by the plan's own serializer.
        Assert.True(Sys.Settings.SerializeAllMessages);
        Assert.IsType<RoundProtocolSerializer>(Sys.Serialization.FindSerializerForType(typeof(TrainRound)));
        var plan = new TrainRound(TinyFederation.Strategy().ConfigureTrain(0, TinyFederation.Initial(), [TinyFederation.Profile(0)])[0], TinyFederation.Initial());
        var receiver = CreateTestProbe();
        receiver.Ref.Tell(plan, TestActor);
        var copy = receiver.ExpectMsg<TrainRound>();
        Assert.NotSame(plan, copy);
        Assert.NotSame(plan.Global, copy.Global);
        Assert.Equal(plan.Plan, copy.Plan with { AssignedExperts = plan.Plan.AssignedExperts });
        var errors = CreateTestProbe();
        Sys.EventStream.Subscribe(errors.Ref, typeof(Error));
        Sys.EventStream.Subscribe(errors.Ref, typeof(DeadLetter));

        var server = ActorOf(FederationServer.Props(Setup(), UpdateSpool.InMemory()));
        server.Tell(new RunRounds(2), TestActor);
        var result = ExpectMsg<FederationResult>(TimeSpan.FromSeconds(60));

        Assert.Equal([0, 1], result.Rounds.Select(r => ((RoundCompleted)r).Round));
        Assert.Equal(2, result.Model.Version);
        Assert.Equal(expected.Model.Version, result.Model.Version);
        Assert.True(
            expected.Model.Values.ToArray().Select(BitConverter.SingleToInt32Bits).SequenceEqual(result.Model.Values.ToArray().Select(BitConverter.SingleToInt32Bits)),
            "the run with serialized messages ended with other model bits");
        Assert.Equal(
            expected.Rounds.Cast<RoundCompleted>().Select(r => r.ModelDigest),
            result.Rounds.Cast<RoundCompleted>().Select(r => r.ModelDigest));
        errors.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
