using HFedMoE.Actors.Protocol;
using HFedMoE.Actors.Rounds;
using HFedMoE.Actors.Server;
using HFedMoE.Actors.Tests.Rounds;
using HFedMoE.Model.Federated;
using HFedMoE.Runtime.Actor;
using HFedMoE.Runtime.Actor.Event;
using HFedMoE.Runtime.Configuration;
using HFedMoE.Runtime.Serialization;
using Microsoft.Extensions.Logging;

namespace HFedMoE.Actors.Tests.Protocol;

/// <summary>
/// The proof that the actors share nothing: the tiny federation with every message serialized
/// and deserialized on the way (serialize-messages = on) ends with the same model bits as with
/// the messages passed by reference.
/// </summary>
public sealed class SerializedFederationTests() : HFedMoE.TestKit.TestKit(Hocon + "\nhfedmoe.actor.serialize-messages = on")
{
    private const string Hocon = TinyFederation.InMemoryPersistence;

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
        using (var off = ActorSystem.Create("off", ConfigurationFactory.ParseString(Hocon)))
        {
            Assert.False(SerializationExtension.Get(off).SerializeMessages);
            var reference = off.ActorOf(FederationServer.Props(Setup(), UpdateSpool.InMemory()));
            expected = await reference.Ask<FederationResult>(new RunRounds(2), TimeSpan.FromSeconds(60));
        }

        Assert.True(SerializationExtension.Get(Sys).SerializeMessages);
        var counting = new CountingSerializer(new RoundProtocolSerializer(Sys));
        SerializationExtension.Get(Sys).AddSerializer(counting, RoundProtocolSerializer.MessageTypes);
        SerializationExtension.Get(Sys).AddLocalOnly(typeof(HFedMoE.Actors.Aggregation.OpenRound));
        var errors = CreateTestProbe();
        Sys.EventStream.Subscribe(errors.Ref, typeof(LogEvent));
        Sys.EventStream.Subscribe(errors.Ref, typeof(DeadLetter));
        errors.IgnoreMessages<LogEvent>(e => e.Level < LogLevel.Error);
        // Dead letters of kernel messages (a stopped client's late Identify etc.) are not the point.
        errors.IgnoreMessages<DeadLetter>(d => !SerializationExtension.Get(Sys).NeedsVerification(d.Message.GetType()));

        var server = ActorOf(FederationServer.Props(Setup(), UpdateSpool.InMemory()));
        Send(server, new RunRounds(2));
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
        // Every client's plan went through the wire form and back, and so did its update.
        Assert.True(counting.Read.GetValueOrDefault(nameof(TrainRound)) >= 6, $"TrainRound was deserialized {counting.Read.GetValueOrDefault(nameof(TrainRound))} times");
        Assert.True(counting.Read.GetValueOrDefault(nameof(SubmitUpdate)) >= 6, $"SubmitUpdate was deserialized {counting.Read.GetValueOrDefault(nameof(SubmitUpdate))} times");
        Assert.True(counting.Read.GetValueOrDefault(nameof(FederationResult)) == 1, "the result did not cross the wire form");
    }

    /// <summary>Delegates to the real serializer and counts what it read, by manifest.</summary>
    private sealed class CountingSerializer(ISerializer inner) : ISerializer
    {
        public System.Collections.Concurrent.ConcurrentDictionary<string, int> Read { get; } = new();

        public int Identifier => inner.Identifier;

        public byte[] ToBinary(object obj) => inner.ToBinary(obj);

        public object FromBinary(byte[] bytes, string manifest)
        {
            Read.AddOrUpdate(manifest, 1, (_, n) => n + 1);
            return inner.FromBinary(bytes, manifest);
        }

        public string Manifest(object obj) => inner.Manifest(obj);
    }
}
