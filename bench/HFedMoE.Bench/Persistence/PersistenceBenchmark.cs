using System.Diagnostics;
using System.Globalization;
using HFedMoE.Runtime.Persistence;
using HFedMoE.Runtime.Serialization;
using Microsoft.Data.Sqlite;

namespace HFedMoE.Bench.Persistence;

/// <summary>
/// Journal throughput, latency and recovery speed on SQLite (and PostgreSQL when
/// HFEDMOE_PG_CONNECTION is set), with 200-byte events. Baselines measured in the same run:
/// grouped writes vs. the same load with max-batch-size = 1, and replay vs. a raw reader over
/// the same rows.
/// </summary>
internal sealed class PersistenceBenchmark : IBenchmarkSuite
{
    private const int EventBytes = 200;

    public string Name => "persistence";

    public string Description => "journal events/s (grouped vs max-batch-size=1), persist latency, replay events/s (vs raw reader); --quick";

    public int Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var sizes = quick
            ? new Sizes(LatencyWrites: 300, Writers: 64, GroupedEvents: 20_000, UngroupedEvents: 2_000, ReplayEvents: 20_000)
            : new Sizes(LatencyWrites: 2_000, Writers: 64, GroupedEvents: 100_000, UngroupedEvents: 5_000, ReplayEvents: 200_000);
        Console.WriteLine($"persistence benchmark ({(quick ? "quick" : "full")}), {EventBytes}-byte events, {Environment.ProcessorCount} cores");
        var dir = Path.Combine(Path.GetTempPath(), "hfedmoe-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            foreach (var sync in new[] { "FULL", "NORMAL" })
            {
                var cs = $"Data Source={Path.Combine(dir, $"bench-{sync}.db")}";
                RunStore($"sqlite synchronous={sync}", o => SqlJournal.Sqlite(cs, SerializerRegistry.CreateDefault(), o with { SqliteSynchronous = sync }), sizes, () => RawSqliteReplay(cs, sizes.ReplayEvents));
            }
            var pg = Environment.GetEnvironmentVariable("HFEDMOE_PG_CONNECTION");
            if (string.IsNullOrEmpty(pg))
            {
                Console.WriteLine("postgresql: skipped (HFEDMOE_PG_CONNECTION not set; `source .ci/postgres.sh`)");
            }
            else
            {
                var schema = "bench_" + Guid.NewGuid().ToString("N");
                ExecutePg(pg, $"CREATE SCHEMA {schema}");
                try
                {
                    var cs = new Npgsql.NpgsqlConnectionStringBuilder(pg) { SearchPath = schema }.ConnectionString;
                    RunStore("postgresql", o => SqlJournal.Postgres(cs, SerializerRegistry.CreateDefault(), o), sizes, null);
                }
                finally
                {
                    ExecutePg(pg, $"DROP SCHEMA {schema} CASCADE");
                }
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
        return 0;
    }

    private static void RunStore(string label, Func<JournalOptions, SqlJournal> open, Sizes sizes, Func<double>? rawReplay)
    {
        Console.WriteLine();
        Console.WriteLine($"== {label}");
        var payload = new byte[EventBytes];
        new Random(1).NextBytes(payload);

        using (var journal = new JournalHandle(open(new JournalOptions())))
        {
            // Warm-up: schema creation, JIT, connection pool.
            Write(journal.Journal, "warmup", 1, 1, payload);

            // 1. One writer, one event per write, awaited: per-persist latency (no grouping possible).
            var latencies = new double[sizes.LatencyWrites];
            for (var i = 0; i < latencies.Length; i++)
            {
                var sw = Stopwatch.StartNew();
                Write(journal.Journal, "latency", i + 1, 1, payload);
                latencies[i] = sw.Elapsed.TotalMilliseconds;
            }
            Array.Sort(latencies);
            Console.WriteLine(Inv($"single persist latency: p50 {Percentile(latencies, 0.50):F3} ms, p99 {Percentile(latencies, 0.99):F3} ms  ({1000.0 / latencies.Average():N0} events/s sequential)"));

            // 2. Many writers at once (like many actors persisting): grouped into shared transactions.
            var grouped = ConcurrentWriters(journal.Journal, "grouped", sizes.Writers, sizes.GroupedEvents, payload);
            using var ungroupedHandle = new JournalHandle(open(new JournalOptions { MaxBatchSize = 1 }));
            var ungrouped = ConcurrentWriters(ungroupedHandle.Journal, "ungrouped", sizes.Writers, sizes.UngroupedEvents, payload);
            Console.WriteLine(Inv($"persist throughput, {sizes.Writers} concurrent writers: grouped {grouped:N0} events/s, max-batch-size=1 {ungrouped:N0} events/s, ratio {grouped / ungrouped:F1}x"));
            var many = ConcurrentWriters(journal.Journal, "many", 1000, sizes.GroupedEvents, payload);
            Console.WriteLine(Inv($"persist throughput, 1000 concurrent writers: grouped {many:N0} events/s (ratio {many / ungrouped:F1}x vs max-batch-size=1 at {sizes.Writers})"));

            // 3. PersistAll-style: one writer, 100 events per AtomicWrite.
            var sw2 = Stopwatch.StartNew();
            var n = sizes.GroupedEvents;
            for (var seq = 1; seq <= n; seq += 100)
            {
                Write(journal.Journal, "atomic100", seq, 100, payload);
            }
            Console.WriteLine(Inv($"persist throughput, one writer, AtomicWrite of 100: {n / sw2.Elapsed.TotalSeconds:N0} events/s"));

            // 4. Recovery: replay one persistence id.
            for (var seq = 1; seq <= sizes.ReplayEvents; seq += 1000)
            {
                Write(journal.Journal, "replay", seq, 1000, payload);
            }
            // Best of 3: the first pass also pays for JIT (tier-0 code) of the replay path.
            long count = 0;
            var replayTime = TimeSpan.MaxValue;
            for (var pass = 0; pass < 3; pass++)
            {
                count = 0;
                var sw3 = Stopwatch.StartNew();
                journal.Journal.ReplayAsync("replay", 1, long.MaxValue, long.MaxValue, _ => count++).GetAwaiter().GetResult();
                if (sw3.Elapsed < replayTime)
                {
                    replayTime = sw3.Elapsed;
                }
            }
            var replay = count / replayTime.TotalSeconds;
            var line = Inv($"recovery (best of 3): {count:N0} events in {replayTime.TotalMilliseconds:F0} ms = {replay:N0} events/s");
            if (rawReplay is not null)
            {
                var raw = Enumerable.Range(0, 3).Max(_ => rawReplay());
                line += Inv($"; raw SqliteDataReader {raw:N0} rows/s, ratio {replay / raw:F2}");
            }
            Console.WriteLine(line);
        }
    }

    private static double ConcurrentWriters(SqlJournal journal, string prefix, int writers, int totalEvents, byte[] payload)
    {
        var perWriter = totalEvents / writers;
        var sw = Stopwatch.StartNew();
        Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var seq = 1; seq <= perWriter; seq++)
            {
                await journal.WriteAsync([new AtomicWrite(new PersistentRepr($"{prefix}-{w}", seq, payload))]);
            }
        }))).GetAwaiter().GetResult();
        return perWriter * writers / sw.Elapsed.TotalSeconds;
    }

    private static double RawSqliteReplay(string cs, int expected)
    {
        using var c = new SqliteConnection(cs);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT sequence_number, payload FROM journal WHERE persistence_id = 'replay' ORDER BY sequence_number";
        var sw = Stopwatch.StartNew();
        long rows = 0;
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                _ = r.GetInt64(0);
                _ = (byte[])r.GetValue(1);
                rows++;
            }
        }
        if (rows != expected)
        {
            throw new InvalidOperationException($"raw replay saw {rows} rows, expected {expected}");
        }
        return rows / sw.Elapsed.TotalSeconds;
    }

    private static void Write(SqlJournal journal, string pid, long firstSeq, int count, byte[] payload)
    {
        var events = Enumerable.Range(0, count).Select(i => new PersistentRepr(pid, firstSeq + i, payload)).ToList();
        var results = journal.WriteAsync([new AtomicWrite(events)]).GetAwaiter().GetResult();
        if (results[0] is { } e)
        {
            throw e;
        }
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    private static void ExecutePg(string cs, string sql)
    {
        using var c = new Npgsql.NpgsqlConnection(cs);
        c.Open();
        using var cmd = new Npgsql.NpgsqlCommand(sql, c);
        cmd.ExecuteNonQuery();
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private sealed record Sizes(int LatencyWrites, int Writers, int GroupedEvents, int UngroupedEvents, int ReplayEvents);

    private sealed class JournalHandle(SqlJournal journal) : IDisposable
    {
        public SqlJournal Journal { get; } = journal;

        public void Dispose() => Journal.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
