using Google.Protobuf.WellKnownTypes;
using HFedMoE.Runtime.Persistence;
using HFedMoE.Runtime.Serialization;

namespace HFedMoE.Runtime.Tests.Persistence;

/// <summary>
/// The journal and snapshot-store contract (the Akka persistence TCK cases, ported), run
/// against every store by a thin subclass. Setup: events a-1..a-5 for <see cref="Pid"/> (4 and
/// 5 in one AtomicWrite), snapshots s-1..s-5 at sequence numbers 11..15.
/// </summary>
public abstract class PersistenceSpec : IAsyncLifetime
{
    protected const string Pid = "p-1";
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private readonly List<IAsyncDisposable> _opened = [];

    protected SerializerRegistry Serializers { get; } = SerializerRegistry.CreateDefault();

    protected IJournal Journal { get; private set; } = null!;

    protected ISnapshotStore Snapshots { get; private set; } = null!;

    /// <summary>A journal on this test's store; calling it twice gives two independent writers on the same data.</summary>
    protected abstract IJournal OpenJournal();

    protected abstract ISnapshotStore OpenSnapshotStore();

    /// <summary>Overwrites a stored event's manifest and bytes, as a corrupt row would look.</summary>
    protected abstract Task CorruptEventAsync(string persistenceId, long sequenceNr, string manifest, byte[] payload);

    protected virtual Task CreateStoreAsync() => Task.CompletedTask;

    protected virtual Task DropStoreAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        await CreateStoreAsync();
        Journal = Track(OpenJournal());
        Snapshots = Track(OpenSnapshotStore());
        await WriteAsync(Journal, [new AtomicWrite(Event(1)), new AtomicWrite(Event(2)), new AtomicWrite(Event(3)), new AtomicWrite([Event(4), Event(5)])]);
        for (var i = 1; i <= 5; i++)
        {
            await Snapshots.SaveAsync(SnapshotAt(10 + i), $"s-{i}");
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var d in _opened)
        {
            await d.DisposeAsync();
        }
        await DropStoreAsync();
    }

    // ---------------------------------------------------------------- journal: replay ranges

    [StoreFact]
    public async Task Journal_should_replay_all_messages() =>
        Assert.Equal(["a-1", "a-2", "a-3", "a-4", "a-5"], await ReplayAsync(1, long.MaxValue, long.MaxValue));

    [StoreFact]
    public async Task Journal_should_replay_messages_using_a_lower_sequence_number_bound() =>
        Assert.Equal(["a-3", "a-4", "a-5"], await ReplayAsync(3, long.MaxValue, long.MaxValue));

    [StoreFact]
    public async Task Journal_should_replay_messages_using_an_upper_sequence_number_bound() =>
        Assert.Equal(["a-1", "a-2", "a-3"], await ReplayAsync(1, 3, long.MaxValue));

    [StoreFact]
    public async Task Journal_should_replay_messages_using_a_count_limit() =>
        Assert.Equal(["a-1", "a-2", "a-3"], await ReplayAsync(1, long.MaxValue, 3));

    [StoreFact]
    public async Task Journal_should_replay_messages_using_lower_and_upper_sequence_number_bound() =>
        Assert.Equal(["a-2", "a-3"], await ReplayAsync(2, 3, long.MaxValue));

    [StoreFact]
    public async Task Journal_should_replay_messages_using_lower_and_upper_sequence_number_bound_and_count_limit() =>
        Assert.Equal(["a-2"], await ReplayAsync(2, 5, 1));

    [StoreFact]
    public async Task Journal_should_replay_a_single_if_lower_sequence_number_bound_equals_upper_sequence_number_bound() =>
        Assert.Equal(["a-2"], await ReplayAsync(2, 2, long.MaxValue));

    [StoreFact]
    public async Task Journal_should_replay_a_single_message_if_count_limit_is_equal_one() =>
        Assert.Equal(["a-2"], await ReplayAsync(2, 4, 1));

    [StoreFact]
    public async Task Journal_should_not_replay_messages_if_count_limit_equals_zero()
    {
        Assert.Empty(await ReplayAsync(2, 4, 0));
        Assert.Equal(5, await Journal.ReadHighestSequenceNrAsync(Pid));
    }

    [StoreFact]
    public async Task Journal_should_not_replay_messages_if_lower_sequence_number_bound_is_greater_than_upper_sequence_number_bound() =>
        Assert.Empty(await ReplayAsync(3, 2, long.MaxValue));

    [StoreFact]
    public async Task Journal_should_not_replay_messages_if_the_persistent_actor_has_not_yet_written_messages()
    {
        var seen = new List<PersistentRepr>();
        await Journal.ReplayAsync("unknown", 1, long.MaxValue, long.MaxValue, seen.Add);
        Assert.Empty(seen);
        Assert.Equal(0, await Journal.ReadHighestSequenceNrAsync("unknown"));
    }

    [StoreFact]
    public async Task Journal_should_report_the_stored_maximum_whatever_the_replay_bounds()
    {
        Assert.Equal(["a-1", "a-2", "a-3"], await ReplayAsync(1, long.MaxValue, 3));
        Assert.Equal(5, await Journal.ReadHighestSequenceNrAsync(Pid));
    }

    [StoreFact]
    public async Task Journal_should_replay_more_events_than_one_read_page()
    {
        var events = Enumerable.Range(1, 2500).Select(i => new PersistentRepr("long", i, $"e-{i}")).ToList();
        await WriteAsync(Journal, [new AtomicWrite(events)]);
        var replayed = new List<PersistentRepr>();
        await Journal.ReplayAsync("long", 1, long.MaxValue, long.MaxValue, replayed.Add);
        Assert.Equal(Enumerable.Range(1, 2500).Select(i => (long)i), replayed.Select(r => r.SequenceNr));
        Assert.Equal("e-2500", replayed[^1].Payload);
    }

    // ---------------------------------------------------------------- journal: deletion

    [StoreFact]
    public async Task Journal_should_not_replay_permanently_deleted_messages_on_range_deletion()
    {
        await Journal.DeleteToAsync(Pid, 3);
        Assert.Equal(["a-4", "a-5"], await ReplayAsync(1, long.MaxValue, long.MaxValue));
    }

    [StoreFact]
    public async Task Journal_should_not_reset_HighestSequenceNr_after_message_deletion()
    {
        await Journal.DeleteToAsync(Pid, 3);
        Assert.Equal(5, await Journal.ReadHighestSequenceNrAsync(Pid));
    }

    [StoreFact]
    public async Task Journal_should_not_reset_HighestSequenceNr_after_journal_cleanup()
    {
        await Journal.DeleteToAsync(Pid, long.MaxValue);
        Assert.Empty(await ReplayAsync(1, long.MaxValue, long.MaxValue));
        Assert.Equal(5, await Journal.ReadHighestSequenceNrAsync(Pid));
        // A fresh journal instance (a restarted process) sees the same high-water mark.
        var reopened = Track(OpenJournal());
        Assert.Equal(5, await reopened.ReadHighestSequenceNrAsync(Pid));
    }

    [StoreFact]
    public async Task Journal_should_continue_after_the_deleted_high_water_mark()
    {
        await Journal.DeleteToAsync(Pid, 5);
        await WriteAsync(Journal, [new AtomicWrite(Event(6))]);
        Assert.Equal(["a-6"], await ReplayAsync(1, long.MaxValue, long.MaxValue));
        Assert.Equal(6, await Journal.ReadHighestSequenceNrAsync(Pid));
    }

    // ---------------------------------------------------------------- journal: serialization

    [StoreFact]
    public async Task Journal_should_serialize_events()
    {
        var proto = new StringValue { Value = "protobuf payload" };
        var bytes = new byte[] { 0, 1, 2, 255 };
        var record = new Moved("x", 3);
        await WriteAsync(Journal, [new AtomicWrite([new PersistentRepr("ser", 1, proto, "w-1", Tags: ["t1", "t2"]), new PersistentRepr("ser", 2, bytes), new PersistentRepr("ser", 3, record)])]);
        var replayed = new List<PersistentRepr>();
        await Journal.ReplayAsync("ser", 1, long.MaxValue, long.MaxValue, replayed.Add);
        Assert.Equal(proto, replayed[0].Payload);
        Assert.Equal("w-1", replayed[0].WriterUuid);
        Assert.Equal(["t1", "t2"], replayed[0].Tags!);
        Assert.NotSame(bytes, replayed[1].Payload);
        Assert.Equal(bytes, (byte[])replayed[1].Payload);
        Assert.Equal(record, replayed[2].Payload);
        Assert.InRange(replayed[2].Timestamp, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(1));
    }

    [StoreFact]
    public async Task Journal_optionally_may_reject_non_serializable_events()
    {
        var results = await Journal.WriteAsync([
            new AtomicWrite(Event(6)),
            new AtomicWrite(new PersistentRepr(Pid, 7, new NotSerializable(() => { }))),
            new AtomicWrite(Event(8))]);
        Assert.Null(results[0]);
        Assert.IsType<PersistenceRejectedException>(results[1]);
        Assert.Contains("seq 7", results[1]!.Message, StringComparison.Ordinal);
        Assert.Null(results[2]);
        Assert.Equal(["a-1", "a-2", "a-3", "a-4", "a-5", "a-6", "a-8"], await ReplayAsync(1, long.MaxValue, long.MaxValue));
    }

    [StoreFact]
    public async Task Journal_should_store_16_MiB_payloads()
    {
        var big = new byte[16 * 1024 * 1024];
        new Random(7).NextBytes(big);
        await WriteAsync(Journal, [new AtomicWrite(new PersistentRepr("big", 1, big))]);
        var replayed = new List<PersistentRepr>();
        await Journal.ReplayAsync("big", 1, 1, 1, replayed.Add);
        Assert.True(big.AsSpan().SequenceEqual((byte[])Assert.Single(replayed).Payload), "16 MiB payload differs after replay");
    }

    [StoreFact]
    public async Task Journal_should_fail_replay_of_a_corrupt_row_naming_id_sequence_and_cause()
    {
        await CorruptEventAsync(Pid, 3, "No.Such.Type, Nowhere", [1, 2, 3]);
        var replayed = new List<PersistentRepr>();
        var e = await Assert.ThrowsAsync<JournalReadException>(() => Journal.ReplayAsync(Pid, 1, long.MaxValue, long.MaxValue, replayed.Add));
        Assert.Equal(Pid, e.PersistenceId);
        Assert.Equal(3, e.SequenceNr);
        Assert.Contains("'p-1'", e.Message, StringComparison.Ordinal);
        Assert.Contains("No.Such.Type", e.Message, StringComparison.Ordinal);
        Assert.IsType<UnknownManifestException>(e.InnerException);
        // Never silently skipped: nothing after the bad row was delivered.
        Assert.Equal([1L, 2L], replayed.Select(r => r.SequenceNr));
    }

    [StoreFact]
    public async Task Journal_should_fail_replay_of_garbage_bytes_with_a_clear_error()
    {
        await CorruptEventAsync(Pid, 2, StringValue.Descriptor.FullName, [0xFF, 0xFF, 0xFF]);
        var e = await Assert.ThrowsAsync<JournalReadException>(() => Journal.ReplayAsync(Pid, 1, long.MaxValue, long.MaxValue, _ => { }));
        Assert.Equal(2, e.SequenceNr);
        Assert.NotNull(e.InnerException);
    }

    // ---------------------------------------------------------------- journal: atomicity and concurrency

    [StoreFact]
    public async Task Journal_should_store_an_atomic_write_all_or_nothing()
    {
        // 5 already exists, 6 is new: the conflict on 5 must also keep 6 out.
        var e = await Assert.ThrowsAsync<JournalWriteException>(() => Journal.WriteAsync([new AtomicWrite([Event(5), Event(6)])]));
        Assert.True(e.IsSequenceConflict, e.Message);
        Assert.Equal(5, await Journal.ReadHighestSequenceNrAsync(Pid));
        Assert.Equal(["a-1", "a-2", "a-3", "a-4", "a-5"], await ReplayAsync(1, long.MaxValue, long.MaxValue));
    }

    [StoreFact]
    public async Task Journal_should_let_only_one_of_two_writers_store_the_same_sequence_number()
    {
        var other = Track(OpenJournal());
        var first = Journal.WriteAsync([new AtomicWrite(new PersistentRepr(Pid, 6, "from-first"))]);
        var second = other.WriteAsync([new AtomicWrite(new PersistentRepr(Pid, 6, "from-second"))]);
        var outcomes = await Task.WhenAll(Outcome(first), Outcome(second));
        Assert.Single(outcomes, o => o is null);
        var failure = Assert.IsType<JournalWriteException>(Assert.Single(outcomes, o => o is not null));
        Assert.True(failure.IsSequenceConflict, failure.Message);
        var replayed = await ReplayAsync(6, 6, long.MaxValue);
        Assert.Equal(outcomes[0] is null ? "from-first" : "from-second", Assert.Single(replayed));
    }

    [StoreFact]
    public async Task Journal_should_group_concurrent_writers_and_isolate_a_conflicting_one()
    {
        var writes = Enumerable.Range(0, 50)
            .Select(i => Journal.WriteAsync([new AtomicWrite(new PersistentRepr($"w-{i}", 1, $"v-{i}"))]))
            .Append(Journal.WriteAsync([new AtomicWrite(Event(5))]))
            .ToList();
        var outcomes = await Task.WhenAll(writes.Select(Outcome));
        Assert.All(outcomes.Take(50), o => Assert.Null(o));
        Assert.IsType<JournalWriteException>(outcomes[50]);
        for (var i = 0; i < 50; i += 7)
        {
            Assert.Equal(1, await Journal.ReadHighestSequenceNrAsync($"w-{i}"));
        }
    }

    // ---------------------------------------------------------------- read side

    [StoreFact]
    public async Task ReadJournal_should_list_events_by_persistence_id_and_all_persistence_ids()
    {
        await WriteAsync(Journal, [new AtomicWrite(new PersistentRepr("b", 1, "b-1"))]);
        var read = (IReadJournal)Journal;
        var envelopes = new List<EventEnvelope>();
        await foreach (var e in read.CurrentEventsByPersistenceId(Pid, 2, 4))
        {
            envelopes.Add(e);
        }
        Assert.Equal(["a-2", "a-3", "a-4"], envelopes.Select(e => (string)e.Event));
        Assert.Equal([2L, 3L, 4L], envelopes.Select(e => e.SequenceNr));
        Assert.True(envelopes[0].Offset < envelopes[1].Offset && envelopes[1].Offset < envelopes[2].Offset, "offsets follow write order");
        var ids = new List<string>();
        await foreach (var id in read.CurrentPersistenceIds())
        {
            ids.Add(id);
        }
        Assert.Equal(["b", Pid], ids);
    }

    // ---------------------------------------------------------------- snapshot store

    [StoreFact]
    public async Task SnapshotStore_should_not_load_a_snapshot_given_an_invalid_persistence_id() =>
        Assert.Null(await Snapshots.LoadAsync("invalid", SnapshotSelectionCriteria.Latest));

    [StoreFact]
    public async Task SnapshotStore_should_not_load_a_snapshot_given_non_matching_timestamp_criteria() =>
        Assert.Null(await Snapshots.LoadAsync(Pid, new SnapshotSelectionCriteria(long.MaxValue, T0.AddMinutes(10))));

    [StoreFact]
    public async Task SnapshotStore_should_not_load_a_snapshot_given_non_matching_sequence_number_criteria()
    {
        Assert.Null(await Snapshots.LoadAsync(Pid, new SnapshotSelectionCriteria(10, DateTime.MaxValue)));
        Assert.Null(await Snapshots.LoadAsync(Pid, SnapshotSelectionCriteria.None));
    }

    [StoreFact]
    public async Task SnapshotStore_should_load_the_most_recent_snapshot() =>
        await AssertLoaded(SnapshotSelectionCriteria.Latest, 15);

    [StoreFact]
    public async Task SnapshotStore_should_load_the_most_recent_snapshot_matching_an_upper_sequence_number_bound() =>
        await AssertLoaded(new SnapshotSelectionCriteria(13, DateTime.MaxValue), 13);

    [StoreFact]
    public async Task SnapshotStore_should_load_the_most_recent_snapshot_matching_an_upper_sequence_number_and_timestamp_bound() =>
        await AssertLoaded(new SnapshotSelectionCriteria(13, SnapshotAt(12).Timestamp), 12);

    [StoreFact]
    public async Task SnapshotStore_should_load_the_most_recent_snapshot_matching_lower_bounds() =>
        await AssertLoaded(new SnapshotSelectionCriteria(long.MaxValue, DateTime.MaxValue, MinSequenceNr: 16), null);

    [StoreFact]
    public async Task SnapshotStore_should_delete_a_single_snapshot_identified_by_SequenceNr_in_snapshot_metadata()
    {
        await Snapshots.DeleteAsync(SnapshotAt(13));
        await AssertLoaded(new SnapshotSelectionCriteria(13, DateTime.MaxValue), 12);
    }

    [StoreFact]
    public async Task SnapshotStore_should_delete_a_single_snapshot_identified_by_SequenceNr_if_timestamp_is_MinValue()
    {
        await Snapshots.DeleteAsync(SnapshotAt(13) with { Timestamp = DateTime.MinValue });
        await AssertLoaded(new SnapshotSelectionCriteria(13, DateTime.MaxValue), 12);
    }

    [StoreFact]
    public async Task SnapshotStore_should_not_delete_a_snapshot_if_metadata_timestamp_is_less_than_stored_timestamp()
    {
        await Snapshots.DeleteAsync(SnapshotAt(13) with { Timestamp = SnapshotAt(13).Timestamp.AddSeconds(-1) });
        await AssertLoaded(new SnapshotSelectionCriteria(13, DateTime.MaxValue), 13);
    }

    [StoreFact]
    public async Task SnapshotStore_should_delete_all_snapshots_matching_upper_sequence_number_and_timestamp_bounds()
    {
        await Snapshots.DeleteAsync(Pid, new SnapshotSelectionCriteria(13, SnapshotAt(13).Timestamp));
        await AssertLoaded(new SnapshotSelectionCriteria(13, DateTime.MaxValue), null);
        await AssertLoaded(SnapshotSelectionCriteria.Latest, 15);
    }

    [StoreFact]
    public async Task SnapshotStore_should_not_delete_snapshots_with_non_matching_upper_timestamp_bounds()
    {
        await Snapshots.DeleteAsync(Pid, new SnapshotSelectionCriteria(13, SnapshotAt(11).Timestamp.AddSeconds(-1)));
        await AssertLoaded(new SnapshotSelectionCriteria(13, DateTime.MaxValue), 13);
    }

    [StoreFact]
    public async Task SnapshotStore_should_save_and_overwrite_snapshot_with_same_sequence_number()
    {
        await Snapshots.SaveAsync(SnapshotAt(15) with { Timestamp = T0.AddHours(1) }, "s-5-again");
        var loaded = await Snapshots.LoadAsync(Pid, SnapshotSelectionCriteria.Latest);
        Assert.Equal("s-5-again", loaded!.Snapshot);
        Assert.Equal(T0.AddHours(1), loaded.Metadata.Timestamp);
    }

    [StoreFact]
    public async Task SnapshotStore_should_save_bigger_size_snapshot()
    {
        var big = new byte[4 * 1024 * 1024];
        new Random(3).NextBytes(big);
        await Snapshots.SaveAsync(new SnapshotMetadata("big", 1, T0), big);
        var loaded = await Snapshots.LoadAsync("big", SnapshotSelectionCriteria.Latest);
        Assert.True(big.AsSpan().SequenceEqual((byte[])loaded!.Snapshot), "snapshot bytes differ");
    }

    [StoreFact]
    public async Task SnapshotStore_should_serialize_snapshots()
    {
        var state = new Timestamp { Seconds = 42, Nanos = 7 };
        await Snapshots.SaveAsync(new SnapshotMetadata("ser", 3, T0), state);
        await Snapshots.SaveAsync(new SnapshotMetadata("ser-json", 3, T0), new Moved("y", 9));
        Assert.Equal(state, (await Snapshots.LoadAsync("ser", SnapshotSelectionCriteria.Latest))!.Snapshot);
        Assert.Equal(new Moved("y", 9), (await Snapshots.LoadAsync("ser-json", SnapshotSelectionCriteria.Latest))!.Snapshot);
    }

    // ---------------------------------------------------------------- helpers

    protected T Track<T>(T disposable) where T : IAsyncDisposable
    {
        _opened.Add(disposable);
        return disposable;
    }

    protected static PersistentRepr Event(long seq) => new(Pid, seq, $"a-{seq}", "writer-1");

    private static SnapshotMetadata SnapshotAt(long seq) => new(Pid, seq, T0.AddMinutes(seq));

    private static async Task WriteAsync(IJournal journal, IReadOnlyList<AtomicWrite> writes)
    {
        var results = await journal.WriteAsync(writes);
        Assert.All(results, r => Assert.Null(r));
    }

    private static async Task<Exception?> Outcome(Task<IReadOnlyList<Exception?>> write)
    {
        try
        {
            var results = await write;
            return results.FirstOrDefault(r => r is not null);
        }
        catch (Exception e)
        {
            return e;
        }
    }

    private async Task<List<string>> ReplayAsync(long from, long to, long max)
    {
        var seen = new List<string>();
        await Journal.ReplayAsync(Pid, from, to, max, r => seen.Add((string)r.Payload));
        return seen;
    }

    private async Task AssertLoaded(SnapshotSelectionCriteria criteria, long? expectedSeq)
    {
        var loaded = await Snapshots.LoadAsync(Pid, criteria);
        if (expectedSeq is null)
        {
            Assert.Null(loaded);
            return;
        }
        Assert.NotNull(loaded);
        Assert.Equal(SnapshotAt(expectedSeq.Value), loaded.Metadata);
        Assert.Equal($"s-{expectedSeq - 10}", loaded.Snapshot);
    }

    public sealed record Moved(string Name, int Steps);

    public sealed record NotSerializable(Action Callback);
}
