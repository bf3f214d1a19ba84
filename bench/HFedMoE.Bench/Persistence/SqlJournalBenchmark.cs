using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using HFedMoE.Actors.Configuration;
using Microsoft.Data.Sqlite;

namespace HFedMoE.Bench.Persistence;

/// <summary>
/// Akka.Persistence.Sql on SQLite, as HFedMoE configures it: events/s with 1,000 persistent actors
/// writing 200-byte events at once (each persists its next event when the last one is
/// acknowledged), and the same rows inserted straight into SQLite in transactions of 1,000 rows
/// in the same run (the ceiling the plugin's batching can approach). The stand-in kernel's
/// journal, since deleted, reached 58.5 k events/s on this workload (issue 2).
/// </summary>
internal sealed class SqlJournalBenchmark : IBenchmarkSuite
{
    private const int EventBytes = 200;
    private const int Writers = 1_000;

    public string Name => "persistence";

    public string Description => "Akka.Persistence.Sql on SQLite: events/s with 1,000 writers (200-byte events) vs raw SQLite inserts; --quick";

    public int Run(string[] args)
    {
        bool quick = args.Contains("--quick");
        int perWriter = quick ? 10 : 50;
        string dir = Path.Combine(Path.GetTempPath(), "hfedmoe-bench-persistence-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"persistence benchmark ({(quick ? "quick" : "full")}): {Writers:N0} writers × {perWriter} events of {EventBytes} bytes, {Environment.ProcessorCount} cores, load average {LoadAverage()}"));
            double raw = RawSqlite(Path.Combine(dir, "raw.db"), Writers * perWriter);
            double akka = AkkaJournal(dir, perWriter);
            double raw2 = RawSqlite(Path.Combine(dir, "raw2.db"), Writers * perWriter);
            double baseline = (raw + raw2) / 2;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Akka.Persistence.Sql (SQLite.MS, Persist): {akka / 1e3:F1} k events/s; raw SQLite, 1,000 rows per transaction: {baseline / 1e3:F1} k events/s (runs {raw / 1e3:F1} / {raw2 / 1e3:F1}) → {akka / baseline:P0} of raw; the deleted kernel's journal: 58.5 k events/s (issue 2)"));
            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double AkkaJournal(string dir, int perWriter)
    {
        var config = HfedmoeConfig.ActorSystemConfig(ConfigurationFactory.ParseString("hfedmoe.persistence.journal-file = akka.db\nakka.loglevel = ERROR"), dir);
        using var system = ActorSystem.Create("bench", config);
        // Warm-up: table creation and the first connection are not counted.
        var warm = new TaskCompletionSource();
        system.ActorOf(Props.Create(() => new Writer("warm-up", 1, warm)));
        warm.Task.Wait();
        var done = Enumerable.Range(0, Writers).Select(_ => new TaskCompletionSource()).ToArray();
        long start = Stopwatch.GetTimestamp();
        for (int w = 0; w < Writers; w++)
        {
            string id = $"writer-{w}";
            var completion = done[w];
            system.ActorOf(Props.Create(() => new Writer(id, perWriter, completion)));
        }
        try
        {
            Task.WaitAll([.. done.Select(d => d.Task)]);
        }
        catch (AggregateException e)
        {
            Console.WriteLine($"{e.InnerExceptions.Count} writers failed; the first: {e.InnerExceptions[0].Message}");
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        system.Terminate().Wait();
        return Writers * perWriter / seconds;
    }

    private static double RawSqlite(string file, int events)
    {
        using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE journal (ordering INTEGER PRIMARY KEY AUTOINCREMENT, persistence_id TEXT NOT NULL, sequence_number INTEGER NOT NULL, message BLOB NOT NULL, UNIQUE (persistence_id, sequence_number))";
            create.ExecuteNonQuery();
        }
        var payload = new byte[EventBytes];
        long start = Stopwatch.GetTimestamp();
        for (int done = 0; done < events;)
        {
            using var transaction = connection.BeginTransaction();
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO journal (persistence_id, sequence_number, message) VALUES ($p, $s, $m)";
            var p = insert.Parameters.Add("$p", SqliteType.Text);
            var s = insert.Parameters.Add("$s", SqliteType.Integer);
            insert.Parameters.AddWithValue("$m", payload);
            for (int i = 0; i < 1_000 && done < events; i++, done++)
            {
                p.Value = $"writer-{done % Writers}";
                s.Value = done / Writers + 1;
                insert.ExecuteNonQuery();
            }
            transaction.Commit();
        }
        return events / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    /// <summary>Persists <c>count</c> events one after the other, then completes.</summary>
    private sealed class Writer : ReceivePersistentActor
    {
        private readonly string _id;
        private readonly int _count;
        private readonly TaskCompletionSource _done;

        public Writer(string id, int count, TaskCompletionSource done)
        {
            _id = id;
            _count = count;
            _done = done;
            Recover<byte[]>(_ => { });
            Recover<RecoveryCompleted>(_ => Self.Tell(Next.Instance));
            Command<Next>(_ => Persist(new byte[EventBytes], _ =>
            {
                if (LastSequenceNr >= _count)
                {
                    _done.TrySetResult();
                    Context.Stop(Self);
                    return;
                }
                Self.Tell(Next.Instance);
            }));
        }

        public override string PersistenceId => _id;

        protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
        {
            _done.TrySetException(new InvalidOperationException($"{_id} could not persist event {sequenceNr}: {cause.Message}", cause));
            base.OnPersistFailure(cause, @event, sequenceNr);
        }

        private sealed record Next
        {
            public static Next Instance { get; } = new();
        }
    }
}
