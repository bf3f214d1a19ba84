using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit;
using HFedMoE.Actors.Configuration;
using HFedMoE.Actors.Persistence;
using Microsoft.Data.Sqlite;

namespace HFedMoE.Actors.Tests;

/// <summary>
/// Akka's xunit TestKit over HFedMoE's reference configuration (the dispatchers, the serializers):
/// by default the SQLite journal of production in a temp folder of the test's own, deleted
/// afterwards; optionally Akka's <see cref="TestScheduler"/> for virtual time (deadlines and
/// resends fire only when the test advances the clock).
/// </summary>
public abstract class FederationTestKit(string hocon = "", bool virtualTime = false)
    : Akka.TestKit.Xunit2.TestKit(Build(hocon, virtualTime))
{
    /// <summary>Akka's own in-memory journal and snapshot store, shared by every incarnation of an actor in the system.</summary>
    public const string InMemoryPersistence = """
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """;

    /// <summary>The folder of this test's SQLite journal and snapshot files.</summary>
    protected string DataDir => Sys.Settings.Config.GetString(SqlPersistenceConfig.DataDirPath);

    /// <summary>The virtual clock (only with <c>virtualTime</c>).</summary>
    protected TestScheduler VirtualTime => (TestScheduler)Sys.Scheduler;

    /// <summary>The events journaled under <paramref name="persistenceId"/>, through Akka.Persistence.Query's SQL read journal.</summary>
    protected async Task<List<object>> Journal(string persistenceId)
    {
        var journal = await SqlReadJournalStartup.OpenAsync(Sys);
        var events = await journal.CurrentEventsByPersistenceId(persistenceId, 0, long.MaxValue)
            .RunWith(Sink.Seq<Akka.Persistence.Query.EventEnvelope>(), Sys.Materializer());
        return [.. events.Select(e => e.Event)];
    }

    /// <summary>The latest snapshot saved under <paramref name="persistenceId"/> in the configured snapshot store, or null.</summary>
    protected async Task<object?> LatestSnapshot(string persistenceId)
    {
        var store = Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        var loaded = await store.Ask<LoadSnapshotResult>(new LoadSnapshot(persistenceId, SnapshotSelectionCriteria.Latest, long.MaxValue), TimeSpan.FromSeconds(10));
        return loaded.Snapshot?.Snapshot;
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        // The xunit TestKit shuts the system down only after AfterAll; actors still running (a
        // spool write, a journal flush) would create files in the folder as it is deleted.
        Shutdown(TimeSpan.FromSeconds(30), verifySystemShutdown: true);
        SqliteConnection.ClearAllPools();
        if (DataDir.StartsWith(Path.GetTempPath(), StringComparison.Ordinal) && Directory.Exists(DataDir))
        {
            Directory.Delete(DataDir, recursive: true);
        }
    }

    private static Config Build(string hocon, bool virtualTime)
    {
        string dir = Path.Combine(Path.GetTempPath(), "hfedmoe-actors-" + Guid.NewGuid().ToString("N"));
        string scheduler = virtualTime ? "akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"" : "";
        // Akka's 3 s default for ExpectMsg is short for a fsynced SQLite write on a loaded 2-core machine.
        const string patience = "akka.test.single-expect-default = 10s";
        return HfedmoeConfig.ActorSystemConfig(ConfigurationFactory.ParseString($"{hocon}\n{scheduler}\n{patience}"), dir);
    }
}
