using System.Text.Json;
using HFedMoE.Actors.Rounds;
using HFedMoE.Model.Federated;
using HFedMoE.Runtime.Persistence;
using HFedMoE.Runtime.Serialization;
using Microsoft.Data.Sqlite;
using RoundCommitted = HFedMoE.Actors.Rounds.RoundCommitted;

namespace HFedMoE.Actors.Tests.Rounds;

/// <summary>
/// The round manager's journal events as protobuf (events.proto), and journals written by the
/// previous version, whose events were C# records stored as JSON by the fallback serializer.
/// </summary>
public sealed class RoundEventsTests() : HFedMoE.TestKit.TestKit(Hocon, useVirtualTime: true)
{
    private const string Hocon = TinyFederation.InMemoryPersistence;

    /// <summary>The journal events exactly as the previous version declared them (JSON shape and type names).</summary>
    internal static class PreviousVersion
    {
        public sealed record RoundStarted(int Round, int ModelVersion, string[] Participants, string[] PlanDigests);

        public sealed record UpdateAccepted(int Round, string ClientId, string Digest);

        public sealed record ClientDropped(int Round, string ClientId, string Reason);

        public sealed record DeadlineExtended(int Round, int Extension);

        public sealed record RoundCommitted(int Round, int ModelVersion, string ModelDigest, Dictionary<string, double> Metrics, string[] Dropped);

        public sealed record RoundClosedIncomplete(int Round, string Reason);

        public sealed record RoundManagerSnapshot(int NextRound, int ModelVersion, string? ModelDigest);

        /// <summary>What the previous version's JSON fallback wrote: serializer id 1, "Namespace.Type, Assembly", the record's JSON.</summary>
        public sealed class RowSerializer : ISerializer
        {
            private readonly JsonSerializerOptions _options = new() { IncludeFields = true };

            public int Identifier => JsonRecordSerializer.Id;

            public byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), _options);

            public object FromBinary(byte[] bytes, string manifest) => throw new NotSupportedException("writes only");

            public string Manifest(object obj) => $"HFedMoE.Actors.Rounds.{obj.GetType().Name}, HFedMoE.Actors";
        }
    }

    private static readonly (object Old, object Current)[] Pairs =
    [
        (new PreviousVersion.RoundStarted(2, 1, ["c0", "c1"], ["p0", "p1"]), new RoundStarted(2, 1, ["c0", "c1"], ["p0", "p1"])),
        (new PreviousVersion.UpdateAccepted(2, "c0", "ab12"), new UpdateAccepted(2, "c0", "ab12")),
        (new PreviousVersion.ClientDropped(2, "c1", "missed the deadline"), new ClientDropped(2, "c1", "missed the deadline")),
        (new PreviousVersion.DeadlineExtended(2, 1), new DeadlineExtended(2, 1)),
        (new PreviousVersion.RoundCommitted(2, 3, "m9", new() { ["train.loss"] = 0.25, ["accepted"] = 1 }, ["c1"]),
            new RoundCommitted(2, 3, "m9", new Dictionary<string, double> { ["train.loss"] = 0.25, ["accepted"] = 1 }, ["c1"])),
        (new PreviousVersion.RoundClosedIncomplete(2, "0 of the 1 updates needed"), new RoundClosedIncomplete(2, "0 of the 1 updates needed")),
        (new PreviousVersion.RoundManagerSnapshot(3, 1, "m9"), new RoundManagerSnapshot(3, 1, "m9")),
        (new PreviousVersion.RoundManagerSnapshot(0, 0, null), new RoundManagerSnapshot(0, 0, null)),
    ];

    [Fact]
    public void Every_round_event_is_stored_by_the_protobuf_serializer_under_its_protobuf_name_and_reads_back_equal()
    {
        var registry = PersistenceExtension.Get(Sys).Serializers;
        foreach (var (_, current) in Pairs)
        {
            var payload = registry.Serialize(current);
            Assert.Equal(ProtobufSerializer.Id, payload.SerializerId);
            Assert.Equal($"hfedmoe.rounds.v1.{current.GetType().Name}", payload.Manifest);
            Assert.Equal(current, registry.Deserialize(payload));
        }
        var nan = new RoundCommitted(0, 1, "m", new Dictionary<string, double> { ["train.loss"] = double.NaN }, []);
        Assert.True(double.IsNaN(((RoundCommitted)registry.Deserialize(registry.Serialize(nan))).Metrics["train.loss"]));
        var none = (RoundManagerSnapshot)registry.Deserialize(registry.Serialize(new RoundManagerSnapshot(0, 0, null)));
        Assert.Null(none.ModelDigestOrNull);
    }

    [Fact]
    public void The_previous_versions_JSON_rows_read_back_as_the_same_events_and_are_written_in_the_same_shape()
    {
        var old = new PreviousVersion.RowSerializer();
        var json = new JsonRecordSerializer();
        foreach (var (previous, current) in Pairs)
        {
            byte[] bytes = old.ToBinary(previous);
            string manifest = old.Manifest(previous);
            Assert.Equal(manifest, json.Manifest(current));
            Assert.Equal(current, json.FromBinary(bytes, manifest));
            Assert.Equal(System.Text.Encoding.UTF8.GetString(bytes), System.Text.Encoding.UTF8.GetString(json.ToBinary(current)));
        }
    }

    [Fact]
    public async Task A_journal_written_by_the_previous_version_recovers_an_open_round_and_new_events_are_appended_as_protobuf()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"hfedmoe-events-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        string connection = $"Data Source={Path.Combine(dir, "journal.db")};Pooling=False";
        try
        {
            await RecoverFromPreviousVersion(connection);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    private async Task RecoverFromPreviousVersion(string connection)
    {
        // Round 0 committed and round 1 half accepted, as the previous version journaled them.
        var spool = UpdateSpool.InMemory();
        var profiles = new[] { TinyFederation.Profile(0), TinyFederation.Profile(1) };
        var initial = TinyFederation.Initial();
        var strategy = TinyFederation.Strategy();
        var plans0 = strategy.ConfigureTrain(0, initial, profiles);
        var updates0 = plans0.Select((p, c) => TinyFederation.Train(c, p, initial)).ToList();
        var round0 = strategy.AggregateTrain(0, updates0, []);
        var model1 = round0.Model;
        var plans1 = strategy.ConfigureTrain(1, model1, profiles);
        var u10 = TinyFederation.Train(0, plans1[0], model1);
        string Spool(SparseUpdate u)
        {
            var bytes = Digests.Serialize(u);
            spool.Put(Digests.Of(bytes), bytes);
            return Digests.Of(bytes);
        }
        byte[] blob = ModelBlob.Write(model1);
        spool.Put(Digests.Of(blob), blob);
        object[] rows =
        [
            new PreviousVersion.RoundStarted(0, 0, ["c0", "c1"], [.. plans0.Select(Digests.OfPlan)]),
            new PreviousVersion.UpdateAccepted(0, "c0", Spool(updates0[0])),
            new PreviousVersion.UpdateAccepted(0, "c1", Spool(updates0[1])),
            new PreviousVersion.RoundCommitted(0, 1, Digests.Of(blob), round0.Metrics.Where(m => double.IsFinite(m.Value)).ToDictionary(), []),
            new PreviousVersion.RoundStarted(1, 1, ["c0", "c1"], [.. plans1.Select(Digests.OfPlan)]),
            new PreviousVersion.UpdateAccepted(1, "c0", Spool(u10)),
        ];
        await using (var writer = SqlJournal.Sqlite(connection, new SerializerRegistry([(typeof(object), new PreviousVersion.RowSerializer())])))
        {
            var errors = await writer.WriteAsync([new AtomicWrite([.. rows.Select((e, i) => new PersistentRepr("legacy", i + 1, e))])]);
            Assert.All(errors, Assert.Null);
        }

        var persistence = PersistenceExtension.Get(Sys);
        persistence.RegisterJournal("hfedmoe.persistence.journal.inmem", SqlJournal.Sqlite(connection, persistence.Serializers));
        var probes = new[] { CreateTestProbe("c0"), CreateTestProbe("c1") };
        var subscriber = CreateTestProbe("subscriber");
        var manager = ActorOf(RoundManager.Props(TinyFederation.Strategy(), initial, new RoundSettings { Deadline = TimeSpan.FromMinutes(1) }, spool,
            probes.Select((p, c) => new RegisterClient(profiles[c], p.Ref)), "legacy", [subscriber.Ref]));

        Send(manager, GetRoundStatus.Instance);
        var status = ExpectMsg<RoundStatus>();
        Assert.Equal((1, 1), (status.OpenRound, status.NextRound));
        Assert.Equal(["c0"], status.Accepted);
        AggregatorSet.AssertBitIdentical(model1.Values, status.Model.Values);

        // Only c1 still owes round 1: it gets its plan again and its update completes the round.
        var plan = probes[1].ExpectMsg<TrainRound>();
        var u11 = TinyFederation.Train(1, plan.Plan, plan.Global);
        probes[1].Send(manager, new SubmitUpdate(u11));
        probes[1].ExpectMsg<UpdateAck>();
        var done = subscriber.FishForMessage<RoundCompleted>(_ => true);
        var reference = TinyFederation.Strategy();
        reference.ConfigureTrain(1, model1, profiles);
        AggregatorSet.AssertBitIdentical(reference.AggregateTrain(1, [u10, u11], []).Model.Values, done.Model.Values);

        Watch(manager);
        Sys.Stop(manager);
        ExpectTerminated(manager);
        var stored = new List<(long Seq, long Serializer, string Manifest)>();
        await using (var db = new SqliteConnection(connection))
        {
            await db.OpenAsync();
            var cmd = db.CreateCommand();
            cmd.CommandText = "SELECT sequence_number, serializer_id, manifest FROM journal WHERE persistence_id = 'legacy' ORDER BY sequence_number";
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                stored.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2)));
            }
        }
        Assert.Equal(8, stored.Count);
        Assert.All(stored.Take(6), r => Assert.Equal(JsonRecordSerializer.Id, r.Serializer));
        Assert.Equal(
            [(7L, (long)ProtobufSerializer.Id, "hfedmoe.rounds.v1.UpdateAccepted"), (8L, ProtobufSerializer.Id, "hfedmoe.rounds.v1.RoundCommitted")],
            stored.Skip(6).ToList());
    }
}
