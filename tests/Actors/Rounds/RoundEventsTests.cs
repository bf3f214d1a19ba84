using HFedMoE.Actors.Rounds;
using HFedMoE.Actors.Serialization;
using RoundCommitted = HFedMoE.Actors.Rounds.RoundCommitted;

namespace HFedMoE.Actors.Tests.Rounds;

/// <summary>
/// The round manager's journal events are protobuf (events.proto), written by our
/// <see cref="ProtobufMessageSerializer"/> as bound in hocon/reference.conf, never by a
/// reflection-based fallback.
/// </summary>
public sealed class RoundEventsTests() : FederationTestKit(InMemoryPersistence)
{
    private static readonly object[] Events =
    [
        new RoundStarted(2, 1, ["c0", "c1"], ["p0", "p1"]),
        new UpdateAccepted(2, "c0", "ab12"),
        new ClientDropped(2, "c1", "missed the deadline"),
        new DeadlineExtended(2, 1),
        new RoundCommitted(2, 3, "m9", new Dictionary<string, double> { ["train.loss"] = 0.25, ["accepted"] = 1 }, ["c1"]),
        new RoundClosedIncomplete(2, "0 of the 1 updates needed"),
        new ClientRegistered(TinyFederation.Profile(3), "akka://test/user/c3"),
        new RoundManagerSnapshot(3, 1, "m9"),
        new RoundManagerSnapshot(0, 0, null),
    ];

    private object RoundTrip(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        string manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        return Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, manifest);
    }

    [Fact]
    public void Every_round_event_is_stored_by_the_protobuf_serializer_under_its_protobuf_name_and_reads_back_equal()
    {
        foreach (object e in Events)
        {
            var serializer = Sys.Serialization.FindSerializerFor(e);
            Assert.IsType<ProtobufMessageSerializer>(serializer);
            Assert.Equal(ProtobufMessageSerializer.Id, serializer.Identifier);
            Assert.Equal($"hfedmoe.rounds.v1.{e.GetType().Name}", Akka.Serialization.Serialization.ManifestFor(serializer, e));
            Assert.Equal(e, RoundTrip(e));
        }
    }

    [Fact]
    public void Values_a_text_format_would_lose_survive_the_round_trip()
    {
        var nan = new RoundCommitted(0, 1, "m", new Dictionary<string, double> { ["train.loss"] = double.NaN, ["x"] = -0.0 }, []);
        var back = (RoundCommitted)RoundTrip(nan);
        Assert.True(double.IsNaN(back.Metrics["train.loss"]));
        Assert.Equal(BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(back.Metrics["x"]));
        Assert.Null(((RoundManagerSnapshot)RoundTrip(new RoundManagerSnapshot(0, 0, null))).ModelDigestOrNull);
    }

    [Fact]
    public void A_row_with_an_unknown_manifest_or_corrupt_bytes_fails_with_a_message_naming_it()
    {
        var serializer = (ProtobufMessageSerializer)Sys.Serialization.FindSerializerFor(Events[0]);
        var unknown = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([1, 2], "hfedmoe.rounds.v1.RoundRenamed"));
        Assert.Contains("unknown protobuf manifest 'hfedmoe.rounds.v1.RoundRenamed'", unknown.Message, StringComparison.Ordinal);
        var corrupt = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([0xFF, 0xFF, 0xFF], "hfedmoe.rounds.v1.RoundStarted"));
        Assert.Contains("3 bytes are not a valid hfedmoe.rounds.v1.RoundStarted", corrupt.Message, StringComparison.Ordinal);
    }
}
