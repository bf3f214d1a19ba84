using HFedMoE.Actors.Rounds;
using HFedMoE.Model.Federated;
using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit;

namespace HFedMoE.Actors.Tests.Rounds;

/// <summary>
/// The round manager against probe clients, on an in-memory journal shared by every incarnation
/// of the actor in the test's system, with virtual time for the deadlines. The probes' replies
/// are real local-training updates of the tiny federation.
/// </summary>
public sealed class RoundManagerTests() : FederationTestKit(Hocon, virtualTime: true)
{
    // The SQLite journal of production (in a temp folder), read back through the SQL read journal.
    private const string Hocon = "";

    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(1);

    private readonly UpdateSpool _spool = UpdateSpool.InMemory();

    private ProbeFederation Create(int clients, RoundSettings? settings = null, string persistenceId = "round-manager", TestProbe[]? probes = null, bool supervised = false, UpdateSpool? spool = null)
    {
        probes ??= [.. Enumerable.Range(0, clients).Select(c => CreateTestProbe($"{persistenceId}-c{c}"))];
        var registrations = ProbeFederation.Registrations(probes);
        settings ??= new RoundSettings { Deadline = Deadline, MinClients = 1 };
        var props = RoundManager.Props(TinyFederation.Strategy(), TinyFederation.Initial(), settings, spool ?? _spool, registrations, persistenceId);
        return ProbeFederation.Start(this, props, probes, supervised);
    }

    private RoundOpened Open(ProbeFederation f)
    {
        f.Manager.Tell(StartRound.Instance, TestActor);
        return ExpectMsg<RoundOpened>();
    }

    /// <summary>Client <paramref name="c"/> takes its plan from its mailbox and trains it.</summary>
    private static SparseUpdate TrainOn(ProbeFederation f, int c)
    {
        var plan = f.Clients[c].ExpectMsg<TrainRound>();
        return TinyFederation.Train(c, plan.Plan, plan.Global);
    }

    private static UpdateAck Submit(ProbeFederation f, int c, SparseUpdate update)
    {
        f.Clients[c].Send(f.Manager, new SubmitUpdate(update));
        return f.Clients[c].ExpectMsg<UpdateAck>();
    }

    private static UpdateRejected SubmitRejected(ProbeFederation f, int c, SparseUpdate update)
    {
        f.Clients[c].Send(f.Manager, new SubmitUpdate(update));
        return f.Clients[c].ExpectMsg<UpdateRejected>();
    }

    private RoundStatus Status(ProbeFederation f)
    {
        f.Manager.Tell(GetRoundStatus.Instance, TestActor);
        return ExpectMsg<RoundStatus>();
    }

    /// <summary>The pure strategy merge of the same round (the reference the actor must match bit for bit).</summary>
    private static GlobalModel Pure(int round, IReadOnlyList<ClientProfile> participants, IReadOnlyList<SparseUpdate> updates, GlobalModel? from = null)
    {
        var strategy = TinyFederation.Strategy();
        strategy.ConfigureTrain(round, from ?? TinyFederation.Initial(), participants);
        return strategy.AggregateTrain(round, updates, []).Model;
    }

    [Fact]
    public void Each_sampled_participant_gets_its_own_plan_and_the_global_model()
    {
        var f = Create(4, new RoundSettings { Deadline = Deadline, SampleFraction = 0.5, Seed = 11 });
        var opened = Open(f);

        Assert.Equal(0, opened.Round);
        Assert.Equal(2, opened.Participants.Count);
        for (int c = 0; c < 4; c++)
        {
            if (opened.Participants.Contains($"c{c}"))
            {
                var plan = f.Clients[c].ExpectMsg<TrainRound>();
                Assert.Equal($"c{c}", plan.Plan.ClientId);
                Assert.Equal(0, plan.Plan.Round);
                Assert.Equal(0, plan.Global.Version);
            }
            else
            {
                f.Clients[c].ExpectNoMsg(TimeSpan.FromMilliseconds(50));
            }
        }
        // The same seed samples the same clients in a fresh manager (own journal).
        var again = Create(4, new RoundSettings { Deadline = Deadline, SampleFraction = 0.5, Seed = 11 }, persistenceId: "round-manager-2");
        Assert.Equal(opened.Participants, Open(again).Participants);
    }

    [Fact]
    public async Task Updates_are_acknowledged_after_their_digest_is_journaled_and_the_round_commits_the_pure_merge()
    {
        var f = Create(3);
        Open(f);
        var updates = Enumerable.Range(0, 3).Select(c => TrainOn(f, c)).ToList();

        var ack = Submit(f, 0, updates[0]);
        Assert.Equal(Digests.Of(Digests.Serialize(updates[0])), ack.Digest);
        var journaled = await Journal("round-manager");
        Assert.Contains(new UpdateAccepted(0, "c0", ack.Digest), journaled);
        Assert.True(_spool.Contains(ack.Digest));

        Submit(f, 1, updates[1]);
        Submit(f, 2, updates[2]);
        var done = f.Subscriber.ExpectMsg<RoundCompleted>();

        Assert.Equal(0, done.Round);
        Assert.Equal(1, done.Model.Version);
        Assert.Equal(3, done.Metrics[RoundMetric.Accepted]);
        Assert.Empty(done.Dropped);
        var pure = Pure(0, [.. Enumerable.Range(0, 3).Select(TinyFederation.Profile)], updates);
        Assert.True(pure.Values.SequenceEqual(done.Model.Values), "the actor's merge differs from the strategy's");
        Assert.Contains(await Journal("round-manager"), e => e is RoundCommitted { Round: 0 } c && c.ModelDigest == done.ModelDigest);
    }

    [Fact]
    public void A_duplicate_update_gets_the_same_ack_and_counts_once()
    {
        var f = Create(2);
        Open(f);
        var u0 = TrainOn(f, 0);
        var u1 = TrainOn(f, 1);

        var first = Submit(f, 0, u0);
        var second = Submit(f, 0, u0);
        Assert.Equal(first, second);
        Assert.Equal(["c0"], Status(f).Accepted);

        var different = SubmitRejected(f, 0, u0 with { Loss = u0.Loss + 1 });
        Assert.Contains("already has an accepted update", different.Reason, StringComparison.Ordinal);

        Submit(f, 1, u1);
        var done = f.Subscriber.ExpectMsg<RoundCompleted>();
        Assert.Equal(2, done.Metrics[RoundMetric.Accepted]);
        // A resend after the commit is still acknowledged the same way, and changes nothing.
        Assert.Equal(first, Submit(f, 0, u0));
        Assert.Null(Status(f).OpenRound);
    }

    [Fact]
    public void An_update_for_an_earlier_round_is_rejected_as_stale_with_a_reason()
    {
        var f = Create(1);
        Open(f);
        var round0 = TrainOn(f, 0);
        Submit(f, 0, round0);
        f.Subscriber.ExpectMsg<RoundCompleted>();

        var late = SubmitRejected(f, 0, round0 with { Loss = 0.5 });
        Assert.Contains("late: round 0 is already over", late.Reason, StringComparison.Ordinal);

        Open(f);
        TrainOn(f, 0);
        var stale = SubmitRejected(f, 0, round0 with { Loss = 0.5 });
        Assert.Equal(0, stale.Round);
        Assert.Contains("stale: the update is for round 0; round 1 is open", stale.Reason, StringComparison.Ordinal);
        var future = SubmitRejected(f, 0, round0 with { Round = 5 });
        Assert.Contains("round 5, which has not started", future.Reason, StringComparison.Ordinal);
        Assert.Empty(Status(f).Accepted);
    }

    [Fact]
    public void A_NaN_update_is_rejected_and_does_not_reach_the_model()
    {
        var f = Create(2);
        Open(f);
        var u0 = TrainOn(f, 0);
        var u1 = TrainOn(f, 1);

        var rejected = SubmitRejected(f, 1, TinyFederation.WithNaN(u1));
        Assert.Contains("NaN", rejected.Reason, StringComparison.Ordinal);
        Assert.Equal(0, Status(f).Model.Version);
        Submit(f, 0, u0);
        Status(f); // the deadline timer is set: advance past it
        VirtualTime.Advance(Deadline);

        var done = f.Subscriber.ExpectMsg<RoundCompleted>();
        Assert.Equal(["c1"], done.Dropped);
        var pure = Pure(0, [TinyFederation.Profile(0), TinyFederation.Profile(1)], [u0]);
        Assert.True(pure.Values.SequenceEqual(done.Model.Values), "the NaN client's update leaked into the merge");
        Assert.All(done.Model.Values.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void At_the_deadline_a_quorum_commits_and_the_missing_client_is_recorded_as_dropped()
    {
        var f = Create(3, new RoundSettings { Deadline = Deadline, MinClients = 2 });
        Open(f);
        Submit(f, 0, TrainOn(f, 0));
        Submit(f, 1, TrainOn(f, 1));
        f.Subscriber.ExpectNoMsg(TimeSpan.FromMilliseconds(50));

        VirtualTime.Advance(Deadline);
        var done = f.Subscriber.ExpectMsg<RoundCompleted>();
        Assert.Equal(["c2"], done.Dropped);
        Assert.Equal(2, done.Metrics[RoundMetric.Accepted]);
        Assert.Equal(1, done.Metrics[RoundMetric.Failed]);
    }

    [Fact]
    public void Without_a_quorum_the_extend_policy_extends_once_then_closes_the_round_incomplete()
    {
        var f = Create(3, new RoundSettings { Deadline = Deadline, MinClients = 2, OnQuorumMissed = QuorumPolicy.Extend, MaxExtensions = 1 });
        Open(f);
        Submit(f, 0, TrainOn(f, 0));

        VirtualTime.Advance(Deadline);
        AwaitCondition(() => Status(f).DeadlineExtensions == 1);
        f.Subscriber.ExpectNoMsg(TimeSpan.FromMilliseconds(50));

        VirtualTime.Advance(Deadline);
        var closed = f.Subscriber.ExpectMsg<RoundClosed>();
        Assert.Equal(0, closed.Round);
        Assert.Contains("1 of the 2 updates needed", closed.Reason, StringComparison.Ordinal);
        Assert.Equal(0, Status(f).Model.Version);
    }

    [Fact]
    public async Task Without_a_quorum_the_close_policy_closes_at_the_first_deadline_and_keeps_the_model()
    {
        var f = Create(3, new RoundSettings { Deadline = Deadline, MinClients = 2, OnQuorumMissed = QuorumPolicy.CloseIncomplete });
        Open(f);
        Submit(f, 0, TrainOn(f, 0));

        VirtualTime.Advance(Deadline);
        var closed = f.Subscriber.ExpectMsg<RoundClosed>();
        Assert.Equal(0, closed.Round);
        var status = Status(f);
        Assert.Null(status.OpenRound);
        Assert.True(TinyFederation.Initial().Values.SequenceEqual(status.Model.Values));
        Assert.Contains(await Journal("round-manager"), e => e is RoundClosedIncomplete { Round: 0 });
        Assert.Equal(1, Open(f).Round);
    }

    [Fact]
    public async Task A_client_that_stops_mid_round_is_dropped_and_the_round_commits_with_the_others()
    {
        var f = Create(3);
        Open(f);
        var u0 = TrainOn(f, 0);
        var u1 = TrainOn(f, 1);
        Sys.Stop(f.Clients[2].Ref);
        Submit(f, 0, u0);
        Submit(f, 1, u1);

        var done = f.Subscriber.ExpectMsg<RoundCompleted>();   // no deadline needed
        Assert.Equal(["c2"], done.Dropped);
        Assert.Contains(await Journal("round-manager"), e => e is ClientDropped { Round: 0, ClientId: "c2" });
        var pure = Pure(0, [.. Enumerable.Range(0, 3).Select(TinyFederation.Profile)], [u0, u1]);
        Assert.True(pure.Values.SequenceEqual(done.Model.Values));
    }

    [Fact]
    public async Task A_client_dropped_by_message_mid_round_is_recorded_with_the_reason_and_the_round_commits_with_the_others()
    {
        var f = Create(3);
        Open(f);
        var u0 = TrainOn(f, 0);
        var u1 = TrainOn(f, 1);
        // What the cluster coordinator sends when the client's node becomes unreachable: the actor is still alive.
        f.Manager.Tell(new DropClient("c2", "its node is unreachable"));
        Submit(f, 0, u0);
        Submit(f, 1, u1);

        var done = f.Subscriber.ExpectMsg<RoundCompleted>();
        Assert.Equal(["c2"], done.Dropped);
        Assert.Contains(await Journal("round-manager"), e => e is ClientDropped { Round: 0, ClientId: "c2", Reason: "its node is unreachable" });
        Assert.Equal(["c0", "c1"], Status(f).Clients);
    }

    [Fact]
    public async Task A_client_whose_training_failed_is_dropped_from_the_round_at_once_and_stays_registered_for_the_next()
    {
        var f = Create(3);
        Open(f);
        var u0 = TrainOn(f, 0);
        var u1 = TrainOn(f, 1);
        f.Clients[2].ExpectMsg<TrainRound>();
        f.Clients[2].Send(f.Manager, new TrainingFailed(0, "c2", "ExternalException: toFloat"));
        Submit(f, 0, u0);
        Submit(f, 1, u1);

        var done = f.Subscriber.ExpectMsg<RoundCompleted>();   // no deadline needed
        Assert.Equal(["c2"], done.Dropped);
        Assert.Contains(await Journal("round-manager"), e => e is ClientDropped { Round: 0, ClientId: "c2", Reason: "its training failed: ExternalException: toFloat" });
        Assert.Equal(["c0", "c1", "c2"], Status(f).Clients);
        Assert.Equal(3, Open(f).Participants.Count);
        f.Clients[2].ExpectMsg<TrainRound>(t => Assert.Equal(1, t.Plan.Round));
    }

    [Fact]
    public void A_training_failure_in_another_clients_name_or_for_another_round_drops_nobody()
    {
        var f = Create(2);
        Open(f);
        var u0 = TrainOn(f, 0);
        var u1 = TrainOn(f, 1);
        f.Clients[0].Send(f.Manager, new TrainingFailed(0, "c1", "forged"));
        f.Clients[1].Send(f.Manager, new TrainingFailed(7, "c1", "not this round"));
        Submit(f, 0, u0);
        Submit(f, 1, u1);

        var done = f.Subscriber.ExpectMsg<RoundCompleted>();
        Assert.Empty(done.Dropped);
    }

    [Fact]
    public void A_round_manager_recreated_mid_round_resumes_it_and_commits_the_same_bits_as_an_uninterrupted_run()
    {
        // Uninterrupted reference run, on its own persistence id.
        var reference = Create(3, persistenceId: "reference");
        Open(reference);
        var updates = Enumerable.Range(0, 3).Select(c => TrainOn(reference, c)).ToList();
        for (int c = 0; c < 3; c++)
        {
            Submit(reference, c, updates[c]);
        }
        var expected = reference.Subscriber.ExpectMsg<RoundCompleted>();

        string dir = Path.Combine(Path.GetTempPath(), $"hfedmoe-rounds-{Guid.NewGuid():N}");
        try
        {
            InterruptAndResume(updates, expected, dir);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private void InterruptAndResume(List<SparseUpdate> updates, RoundCompleted expected, string dir)
    {
        var f = Create(3, spool: UpdateSpool.InDirectory(dir));
        Open(f);
        for (int c = 0; c < 3; c++)
        {
            f.Clients[c].ExpectMsg<TrainRound>();
        }
        var ack0 = Submit(f, 0, updates[0]);
        Submit(f, 1, updates[1]);
        Watch(f.Manager);
        Sys.Stop(f.Manager);
        ExpectTerminated(f.Manager);

        // A new incarnation: new strategy instance and spool object; same persistence id, journal and spool directory.
        var resumed = Create(3, probes: f.Clients, spool: UpdateSpool.InDirectory(dir));
        var status = Status(resumed);
        Assert.Equal(0, status.OpenRound);
        Assert.Equal(["c0", "c1"], status.Accepted);
        // Only the client still owing an update gets its plan again (same plan).
        Assert.Equal(updates[2].ClientId, resumed.Clients[2].ExpectMsg<TrainRound>().Plan.ClientId);
        resumed.Clients[0].ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Assert.Equal(ack0, Submit(resumed, 0, updates[0]));   // acknowledged before the crash: same ack, counted once
        Submit(resumed, 2, updates[2]);

        var done = resumed.Subscriber.ExpectMsg<RoundCompleted>();
        Assert.Equal(3, done.Metrics[RoundMetric.Accepted]);
        Assert.True(expected.Model.Values.SequenceEqual(done.Model.Values), "the resumed round's model differs from the uninterrupted one");
        Assert.Equal(expected.ModelDigest, done.ModelDigest);
    }

    [Fact]
    public void A_killed_round_manager_restarts_from_its_journal_and_keeps_the_accepted_updates()
    {
        var f = Create(2, supervised: true);
        Open(f);
        var u0 = TrainOn(f, 0);
        var u1 = TrainOn(f, 1);
        Submit(f, 0, u0);

        f.Manager.Tell(Kill.Instance, TestActor);
        AwaitCondition(() => Status(f) is { OpenRound: 0, Accepted: ["c0"] });
        // Subscribers are not journaled: subscribe again after the restart.
        f.Manager.Tell(new SubscribeRounds(f.Subscriber.Ref), TestActor);
        Assert.Equal("c1", f.Clients[1].ExpectMsg<TrainRound>().Plan.ClientId);   // its plan again: it still owes an update
        Submit(f, 1, u1);

        var done = f.Subscriber.ExpectMsg<RoundCompleted>();
        var pure = Pure(0, [TinyFederation.Profile(0), TinyFederation.Profile(1)], [u0, u1]);
        Assert.True(pure.Values.SequenceEqual(done.Model.Values));
    }

    [Fact]
    public void The_crash_and_the_missed_quorum_are_logged_as_akka_users_see_them()
    {
        var f = Create(2, new RoundSettings { Deadline = Deadline, MinClients = 2, OnQuorumMissed = QuorumPolicy.CloseIncomplete }, supervised: true);
        Open(f);
        Submit(f, 0, TrainOn(f, 0));
        TrainOn(f, 1);

        // The crash is logged by the supervisor; the restarted manager recovers the open round.
        EventFilter.Exception<ActorKilledException>().ExpectOne(() => f.Manager.Tell(Kill.Instance, TestActor));
        Within(TimeSpan.FromSeconds(10), () =>
        {
            AwaitCondition(() => Status(f) is { OpenRound: 0, Accepted: ["c0"] });
            Assert.Equal("c1", f.Clients[1].ExpectMsg<TrainRound>().Plan.ClientId);
        });
        f.Manager.Tell(new SubscribeRounds(f.Subscriber.Ref), TestActor);

        // c1 never answers: at the (virtual) deadline the round closes, and says why in the log.
        EventFilter.Warning(contains: "round 0 closed incomplete: 1 of the 2 updates needed were accepted by the deadline").ExpectOne(() => VirtualTime.Advance(Deadline));
        Assert.Equal(0, f.Subscriber.ExpectMsg<RoundClosed>().Round);
        Assert.Equal(0, Status(f).Model.Version);
    }

    [Fact]
    public void After_a_restart_between_rounds_the_committed_model_is_restored_from_the_spool()
    {
        var f = Create(1, new RoundSettings { Deadline = Deadline, SnapshotEvery = 1 });
        Open(f);
        Submit(f, 0, TrainOn(f, 0));
        var done = f.Subscriber.ExpectMsg<RoundCompleted>();
        Watch(f.Manager);
        Sys.Stop(f.Manager);
        ExpectTerminated(f.Manager);

        var resumed = Create(1, new RoundSettings { Deadline = Deadline, SnapshotEvery = 1 }, probes: f.Clients);
        var status = Status(resumed);
        Assert.Equal(1, status.NextRound);
        Assert.True(done.Model.Values.SequenceEqual(status.Model.Values));
        Assert.Equal(1, Open(resumed).Round);
        Assert.Equal(1, f.Clients[0].ExpectMsg<TrainRound>().Global.Version);
    }

    [Fact]
    public void Starting_a_round_with_too_few_clients_or_while_one_is_open_is_refused_with_the_reason()
    {
        var f = Create(1, new RoundSettings { Deadline = Deadline, MinClients = 2 });
        f.Manager.Tell(StartRound.Instance, TestActor);
        Assert.Contains("needs at least 2 clients; 1 are registered", ExpectMsg<RoundNotStarted>().Reason, StringComparison.Ordinal);

        var g = Create(1, persistenceId: "other");
        Open(g);
        g.Manager.Tell(StartRound.Instance, TestActor);
        Assert.Equal("round 0 is still open", ExpectMsg<RoundNotStarted>().Reason);
    }
}
