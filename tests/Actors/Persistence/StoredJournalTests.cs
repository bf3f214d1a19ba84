using Akka.Actor;
using Akka.TestKit;
using HFedMoE.Actors.Rounds;
using HFedMoE.Actors.Tests.Rounds;
using HFedMoE.Model.Federated;
using Microsoft.Data.Sqlite;

namespace HFedMoE.Actors.Tests.Persistence;

/// <summary>
/// A journal written by this version must be readable by the next ones: Fixtures/v1 holds one
/// (Akka.Persistence.Sql on SQLite: round 0 committed with a snapshot, round 1 open with one of its
/// two updates accepted, and the update spool), and every version must resume its open round and
/// commit exactly the model the strategy makes of the same updates. The same is checked on a
/// journal written now. To write a new fixture (only when the events change, and as a new
/// version beside the old ones): <c>HFEDMOE_WRITE_JOURNAL_FIXTURE=&lt;folder&gt; dotnet test
/// --filter A_journal_written_now</c>.
/// </summary>
public sealed class StoredJournalTests() : FederationTestKit()
{
    private const string PersistenceId = "stored";
    private static readonly RoundSettings Settings = new() { MinClients = 2, Deadline = TimeSpan.FromMinutes(10), SnapshotEvery = 1 };

    private static readonly ClientProfile[] Profiles = [TinyFederation.Profile(0), TinyFederation.Profile(1)];

    private string SpoolDir => Path.Combine(DataDir, "spool");

    private IActorRef Manager(TestProbe[] clients, IActorRef subscriber) =>
        ActorOf(RoundManager.Props(TinyFederation.Strategy(), TinyFederation.Initial(), Settings, UpdateSpool.InDirectory(SpoolDir),
            clients.Select((p, c) => new RegisterClient(Profiles[c], p.Ref)), PersistenceId, [subscriber]));

    private static SparseUpdate Train(TestProbe client, int c)
    {
        var plan = client.ExpectMsg<TrainRound>();
        return TinyFederation.Train(c, plan.Plan, plan.Global);
    }

    [Fact]
    public async Task A_journal_written_now_resumes_its_open_round_and_commits_the_strategys_model()
    {
        var clients = new[] { CreateTestProbe(), CreateTestProbe() };
        var subscriber = CreateTestProbe();
        var manager = Manager(clients, subscriber.Ref);
        manager.Tell(StartRound.Instance, TestActor);
        ExpectMsg<RoundOpened>();
        for (int c = 0; c < 2; c++)
        {
            clients[c].Send(manager, new SubmitUpdate(Train(clients[c], c)));
            clients[c].ExpectMsg<UpdateAck>();
        }
        subscriber.ExpectMsg<RoundCompleted>();
        manager.Tell(StartRound.Instance, TestActor);
        ExpectMsg<RoundOpened>();
        clients[0].Send(manager, new SubmitUpdate(Train(clients[0], 0)));
        clients[0].ExpectMsg<UpdateAck>();
        clients[1].ExpectMsg<TrainRound>();   // c1 trains, but the crash comes before it answers
        Watch(manager);
        Sys.Stop(manager);
        ExpectTerminated(manager);

        if (Environment.GetEnvironmentVariable("HFEDMOE_WRITE_JOURNAL_FIXTURE") is { Length: > 0 } target)
        {
            SqliteConnection.ClearAllPools();
            CopyFolder(DataDir, target);
        }
        await ResumeAndFinish();
    }

    [Fact]
    public async Task The_journal_stored_by_version_1_resumes_its_open_round_and_commits_the_strategys_model()
    {
        CopyFolder(Path.Combine(AppContext.BaseDirectory, "Persistence", "Fixtures", "v1"), DataDir);
        await ResumeAndFinish();
    }

    /// <summary>A new manager on the journal: round 1 is open with c0's update; c1 gets its plan again, and its update commits the round.</summary>
    private async Task ResumeAndFinish()
    {
        var clients = new[] { CreateTestProbe(), CreateTestProbe() };
        var subscriber = CreateTestProbe();
        var manager = Manager(clients, subscriber.Ref);
        manager.Tell(GetRoundStatus.Instance, TestActor);
        var status = ExpectMsg<RoundStatus>();
        Assert.Equal((1, 1), (status.OpenRound, status.NextRound));
        Assert.Equal(["c0"], status.Accepted);

        var events = await Journal(PersistenceId);
        var committed = events.OfType<RoundCommitted>().Single();
        var accepted = events.OfType<UpdateAccepted>().Single(e => e.Round == 1);
        var spool = UpdateSpool.InDirectory(SpoolDir);
        var model1 = ModelBlob.Read(spool.Get(committed.ModelDigest), TinyFederation.Initial());
        AggregatorSet.AssertBitIdentical(model1.Values, status.Model.Values);

        var plan = clients[1].ExpectMsg<TrainRound>();
        Assert.Equal((1, "c1"), (plan.Plan.Round, plan.Plan.ClientId));
        clients[0].ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        var u11 = TinyFederation.Train(1, plan.Plan, plan.Global);
        clients[1].Send(manager, new SubmitUpdate(u11));
        clients[1].ExpectMsg<UpdateAck>();
        var done = subscriber.FishForMessage<RoundCompleted>(r => r.Round == 1);

        var reference = TinyFederation.Strategy();
        reference.ConfigureTrain(1, model1, Profiles);
        var u10 = Digests.DeserializeUpdate(spool.Get(accepted.Digest));
        AggregatorSet.AssertBitIdentical(reference.AggregateTrain(1, [u10, u11], []).Model.Values, done.Model.Values);
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }
}
