using HFedMoE.Runtime.Actor;
using HFedMoE.Runtime.Persistence;

namespace HFedMoE.Runtime.Tests.Persistence;

public sealed class PersistentActorTests : HFedMoE.TestKit.TestKit
{
    private const string JournalId = "hfedmoe.persistence.journal.inmem";
    private readonly GatedJournal _journal;

    public PersistentActorTests()
        : base("""
            hfedmoe.persistence.journal.plugin = "hfedmoe.persistence.journal.inmem"
            short-timeout-journal { type = inmem, recovery-event-timeout = 300ms }
            hfedmoe.persistence.snapshot-store.plugin = "hfedmoe.persistence.snapshot-store.inmem"
            hfedmoe.persistence.max-concurrent-recoveries = 1
            # Generous waits: this machine is shared; passing tests do not wait for them.
            hfedmoe.test.single-expect-default = 10s
            hfedmoe.test.filter-leeway = 10s
            """)
    {
        var persistence = PersistenceExtension.Get(Sys);
        _journal = new GatedJournal(new InMemoryJournal(persistence.Serializers));
        persistence.RegisterJournal(JournalId, _journal);
    }

    [Fact]
    public void Events_are_persisted_and_recovered_by_a_new_incarnation()
    {
        var a = ActorOf(() => new Counter("c-1", TestActor));
        ExpectMsg("recovered:0:0");
        a.Tell(new Add(2), TestActor);
        a.Tell(new Add(3), TestActor);
        ExpectMsg("added:2");
        ExpectMsg("added:3");
        Stop(a);

        ActorOf(() => new Counter("c-1", TestActor));
        ExpectMsg("event:2");
        ExpectMsg("event:3");
        ExpectMsg("recovered:5:2");
    }

    [Fact]
    public void RecoveryCompleted_comes_before_commands_sent_during_recovery()
    {
        _journal.HoldReplays();
        var a = ActorOf(() => new Counter("c-2", TestActor));
        a.Tell(new Get(), TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        _journal.ReleaseReplays();
        ExpectMsg("recovered:0:0");
        ExpectMsg("total:0");
    }

    [Fact]
    public void Persist_stashes_commands_until_its_handlers_ran_and_keeps_the_sender()
    {
        var a = ActorOf(() => new Counter("c-3", TestActor));
        ExpectMsg("recovered:0:0");
        var probe = CreateTestProbe();
        _journal.HoldWrites();
        a.Tell(new AddAll([1, 2]), probe.Ref);
        a.Tell(new Get(), TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        _journal.ReleaseWrites();
        probe.ExpectMsg("added:1");
        probe.ExpectMsg("added:2");
        ExpectMsg("total:3");
    }

    [Fact]
    public void PersistAsync_does_not_stash_and_DeferAsync_runs_after_earlier_persists()
    {
        var a = ActorOf(() => new Counter("c-4", TestActor));
        ExpectMsg("recovered:0:0");
        _journal.HoldWrites();
        a.Tell(new AddAsync(4), TestActor);
        a.Tell(new Get(), TestActor);
        ExpectMsg("total:0");
        _journal.ReleaseWrites();
        ExpectMsg("added:4");
        ExpectMsg("deferred:4");
        a.Tell(new Get(), TestActor);
        ExpectMsg("total:4");
    }

    [Fact]
    public void Recovery_starts_from_the_latest_snapshot_and_replays_only_later_events()
    {
        var a = ActorOf(() => new Counter("c-5", TestActor));
        ExpectMsg("recovered:0:0");
        a.Tell(new Add(1), TestActor);
        a.Tell(new Add(2), TestActor);
        ExpectMsg("added:1");
        ExpectMsg("added:2");
        a.Tell(new Snap(), TestActor);
        Assert.Equal(2, ExpectMsg<SaveSnapshotSuccess>().Metadata.SequenceNr);
        a.Tell(new Add(10), TestActor);
        ExpectMsg("added:10");
        Stop(a);

        ActorOf(() => new Counter("c-5", TestActor));
        ExpectMsg("snapshot:3@2");
        ExpectMsg("event:10");
        ExpectMsg("recovered:13:3");
    }

    [Fact]
    public void DeleteMessages_replies_and_the_sequence_number_keeps_counting()
    {
        var a = ActorOf(() => new Counter("c-6", TestActor));
        ExpectMsg("recovered:0:0");
        a.Tell(new Add(1), TestActor);
        a.Tell(new Add(2), TestActor);
        ExpectMsg("added:1");
        ExpectMsg("added:2");
        a.Tell(new Delete(1), TestActor);
        Assert.Equal(1, ExpectMsg<DeleteMessagesSuccess>().ToSequenceNr);
        a.Tell(new Delete(99), TestActor);
        Assert.IsType<ArgumentOutOfRangeException>(ExpectMsg<DeleteMessagesFailure>().Cause);
        Stop(a);

        var b = ActorOf(() => new Counter("c-6", TestActor));
        ExpectMsg("event:2");
        ExpectMsg("recovered:2:2");
        b.Tell(new Add(5), TestActor);
        ExpectMsg("added:5");
        b.Tell(new GetSeq(), TestActor);
        ExpectMsg("seq:3");
    }

    [Fact]
    public void A_journal_failure_logs_and_stops_the_actor()
    {
        var a = ActorOf(() => new Counter("c-7", TestActor));
        ExpectMsg("recovered:0:0");
        Watch(a);
        _journal.FailWritesWith = new IOException("disk on fire");
        EventFilter.Exception<IOException>(contains: "Failed to persist").ExpectOne(() => a.Tell(new Add(1), TestActor));
        ExpectTerminated(a);
    }

    [Fact]
    public void A_rejected_event_is_logged_skipped_and_the_actor_continues()
    {
        var a = ActorOf(() => new Counter("c-8", TestActor));
        ExpectMsg("recovered:0:0");
        EventFilter.Warning(contains: "Rejected to persist").ExpectOne(() => a.Tell(new PersistBad(), TestActor));
        a.Tell(new Add(1), TestActor);
        ExpectMsg("added:1");
        a.Tell(new GetSeq(), TestActor);
        ExpectMsg("seq:2");
    }

    [Fact]
    public void A_corrupt_event_fails_recovery_naming_the_persistence_id_and_stops_the_actor()
    {
        var a = ActorOf(() => new Counter("c-9", TestActor));
        ExpectMsg("recovered:0:0");
        a.Tell(new Add(1), TestActor);
        a.Tell(new Add(2), TestActor);
        ExpectMsg("added:1");
        ExpectMsg("added:2");
        Stop(a);
        _journal.Inner.Corrupt("c-9", 2, "No.Such.Event, Nowhere", [1]);

        IActorRef b = null!;
        EventFilter.Exception<JournalReadException>(contains: "persistenceId [c-9]").ExpectOne(() => b = ActorOf(() => new Counter("c-9", TestActor)));
        Watch(b);
        ExpectMsg("event:1");
        ExpectTerminated(b);
    }

    [Fact]
    public void Recovery_that_hears_nothing_within_the_event_timeout_fails()
    {
        // Only this actor uses the journal with the 300 ms timeout, so a slow machine cannot
        // time out the other tests' recoveries.
        var stuck = new GatedJournal(new InMemoryJournal(PersistenceExtension.Get(Sys).Serializers));
        PersistenceExtension.Get(Sys).RegisterJournal("short-timeout-journal", stuck);
        stuck.HoldReplays();
        IActorRef a = null!;
        EventFilter.Exception<RecoveryTimedOutException>().ExpectOne(() =>
        {
            a = ActorOf(() => new Counter("c-10", TestActor, "short-timeout-journal"));
            Watch(a);
        });
        ExpectTerminated(a);
        stuck.ReleaseReplays();
    }

    [Fact]
    public void Recoveries_beyond_max_concurrent_recoveries_wait_for_a_permit()
    {
        _journal.HoldReplays();
        ActorOf(() => new Counter("c-11", TestActor));
        AwaitCondition(() => _journal.ReplaysStarted == 1);
        ActorOf(() => new Counter("c-12", TestActor));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(1, _journal.ReplaysStarted);
        _journal.ReleaseReplays();
        ExpectMsg("recovered:0:0");
        ExpectMsg("recovered:0:0");
        Assert.Equal(2, _journal.ReplaysStarted);
    }

    [Fact]
    public void A_restarted_actor_recovers_its_state_again()
    {
        var a = ActorOf(() => new Counter("c-13", TestActor));
        ExpectMsg("recovered:0:0");
        a.Tell(new Add(7), TestActor);
        ExpectMsg("added:7");
        EventFilter.Exception<InvalidOperationException>(contains: "boom").ExpectOne(() => a.Tell(new Crash(), TestActor));
        ExpectMsg("event:7");
        ExpectMsg("recovered:7:1");
        a.Tell(new Get(), TestActor);
        ExpectMsg("total:7");
    }

    private void Stop(IActorRef actor)
    {
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);
        Unwatch(actor);
    }

    public sealed record Add(int Amount);

    public sealed record AddAll(int[] Amounts);

    public sealed record AddAsync(int Amount);

    public sealed record Get;

    public sealed record GetSeq;

    public sealed record Snap;

    public sealed record Delete(long To);

    public sealed record PersistBad;

    public sealed record Crash;

    public sealed record Added(int Amount);

    public sealed record Unserializable(Action Callback);

    private sealed class Counter : ReceivePersistentActor
    {
        private readonly string _pid;
        private readonly string? _journalPluginId;
        private int _total;

        public Counter(string pid, IActorRef monitor, string? journalPluginId = null)
        {
            _pid = pid;
            _journalPluginId = journalPluginId;
            Recover<Added>(e =>
            {
                _total += e.Amount;
                monitor.Tell($"event:{e.Amount}", Self);
            });
            Recover<SnapshotOffer>(o =>
            {
                _total = (int)o.Snapshot;
                monitor.Tell($"snapshot:{_total}@{o.Metadata.SequenceNr}", Self);
            });
            Recover<RecoveryCompleted>(_ => monitor.Tell($"recovered:{_total}:{LastSequenceNr}", Self));
            Command<Add>(c => Persist(new Added(c.Amount), e =>
            {
                _total += e.Amount;
                Sender.Tell($"added:{e.Amount}", Self);
            }));
            Command<AddAll>(c => PersistAll(c.Amounts.Select(x => new Added(x)), e =>
            {
                _total += e.Amount;
                Sender.Tell($"added:{e.Amount}", Self);
            }));
            Command<AddAsync>(c =>
            {
                PersistAsync(new Added(c.Amount), e =>
                {
                    _total += e.Amount;
                    Sender.Tell($"added:{e.Amount}", Self);
                });
                DeferAsync(c.Amount, n => Sender.Tell($"deferred:{n}", Self));
            });
            Command<Get>(_ => Sender.Tell($"total:{_total}", Self));
            Command<GetSeq>(_ => Sender.Tell($"seq:{LastSequenceNr}", Self));
            Command<Snap>(_ => SaveSnapshot(_total));
            Command<SaveSnapshotSuccess>(s => monitor.Tell(s, Self));
            Command<Delete>(d => DeleteMessages(d.To));
            Command<DeleteMessagesSuccess>(s => monitor.Tell(s, Self));
            Command<DeleteMessagesFailure>(f => monitor.Tell(f, Self));
            Command<Crash>(_ => throw new InvalidOperationException("boom"));
            Command<PersistBad>(_ => Persist(new Unserializable(() => { }), _ => monitor.Tell("bad handler ran", Self)));
        }

        public override string PersistenceId => _pid;

        public override string? JournalPluginId => _journalPluginId;
    }
}
