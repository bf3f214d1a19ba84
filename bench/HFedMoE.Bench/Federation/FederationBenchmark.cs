using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using HFedMoE.Actors.Configuration;
using HFedMoE.Actors.Clients;
using HFedMoE.Actors.Rounds;
using HFedMoE.Actors.Server;
using HFedMoE.Model.Federated;
using Microsoft.Data.Sqlite;

namespace HFedMoE.Bench.Federation;

/// <summary>
/// Round overhead of the in-process federation: the share of a round's wall time NOT spent in
/// client training (planning, messages, update encoding and SHA-256, spool writes, the SQLite
/// journal, the merge), with 100 and 1,000 virtual clients that hold no model (they borrow one
/// of the node's pooled trainers). Baseline in the same run, interleaved round by round: the
/// same clients' <see cref="LocalTrainer.Train"/> calls in a plain loop (no actors, no journal)
/// with the same number of training threads → T_train; the real round (FederationServer +
/// RoundManager + SQLite journal + on-disk spool in a temp folder) → T_round; overhead =
/// (T_round − T_train) / T_round. Also peak memory with 1,000 clients and the bytes each round
/// adds to the journal and the spool.
/// </summary>
internal sealed class FederationBenchmark : IBenchmarkSuite
{
    private static readonly string[] Strategies = [StrategyFactory.FedAvgFull, StrategyFactory.HFedMoE];

    public string Name => "federation";

    public string Description => "round overhead (time not in client training) at 100 and 1,000 virtual clients vs the bare Train loop; memory; journal bytes/round; --quick, --threads N, --clients N, --steps N";

    public int Run(string[] args)
    {
        bool quick = args.Contains("--quick");
        int threads = IntArg(args, "--threads") ?? 1;
        int[] sizes = IntArg(args, "--clients") is { } only ? [only] : [100, 1_000];
        int rounds = quick ? 1 : 3; // measured, after one warm-up round each
        int steps = IntArg(args, "--steps") ?? 1;
        if (threads < 1 || sizes[0] < 1 || steps < 1)
        {
            Console.Error.WriteLine("--threads, --clients and --steps must be ≥ 1");
            return 2;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"federation benchmark ({(quick ? "quick" : "full")}): {Environment.ProcessorCount} cores, load average {LoadAverage()}, {threads} training thread(s) in both (dedicated dispatcher thread-count = trainer pool = baseline loop threads; TorchSharp on the CPU, libtorch on 1 intra-op thread)"));
        var m = FederationWorkload.Config;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"workload (TorchSharp engine): MoE {m.Layers}×{m.Experts} experts, d={m.DModel}, hidden {m.ExpertHidden}, seq {m.SeqLen}; {steps} local step(s) at batch 8 per client; Akka.Persistence.Sql journal on SQLite (reference.conf); {rounds} measured round(s) after 1 warm-up"));

        bool ok = true;
        foreach (int clients in sizes)
        {
            foreach (string strategy in Strategies)
            {
                ok &= Measure(FederationWorkload.Create(strategy, clients, steps), threads, rounds, report: clients == sizes[^1] && strategy == Strategies[^1]);
            }
        }
        TrainerFootprint(sizes[^1]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak resident set (VmHWM) of the whole run: {PeakResidentBytes() / 1e6:F0} MB"));
        return ok ? 0 : 1;
    }

    /// <summary>Interleaves a baseline round and a federation round, <paramref name="rounds"/> times after a warm-up.</summary>
    private static bool Measure(FederationWorkload w, int threads, int rounds, bool report)
    {
        string dir = Path.Combine(Path.GetTempPath(), "hfedmoe-bench-federation-" + Guid.NewGuid().ToString("N"));
        string spoolDir = Path.Combine(dir, "spool");
        Directory.CreateDirectory(dir);
        long heapBefore = report ? GC.GetTotalMemory(forceFullCollection: true) : 0;
        var config = HfedmoeConfig.ActorSystemConfig(ConfigurationFactory.ParseString($"""
            {TrainerPool.ThreadCountPath} = {threads}
            """), dir);
        var system = ActorSystem.Create("bench", config);
        var meter = new JournalMeter(dir, spoolDir);
        using var baselinePool = TrainerPool.For(w.Model, w.Trainer, threads);
        var profiles = w.Clients.Select(c => c.Profile).ToArray();
        var plans = StrategyFactory.Create(w.Strategy, w.Options).ConfigureTrain(0, w.Initial, profiles);
        var data = w.Clients.ToDictionary(c => c.Profile.ClientId, c => c.Data, StringComparer.Ordinal);
        double train = 0, round = 0, encode = 0, spooling = 0;
        long peakHeap = 0, peakResident = 0;
        var perRound = new List<JournalMeter.Reading>();
        bool ok = true;
        try
        {
            var server = system.ActorOf(FederationServer.Props(w.Setup(threads), UpdateSpool.InDirectory(spoolDir)), "server");
            for (int r = 0; r <= rounds; r++)
            {
                var (tTrain, tEncode, tSpool) = TrainLoop(plans, w.Initial, data, baselinePool, threads, r == 0 ? null : Path.Combine(dir, "scratch"));
                var before = meter.Read();
                long t0 = Stopwatch.GetTimestamp();
                object reply = AwaitRound(system, server.Ask<object>(new RunRounds(1), TimeSpan.FromMinutes(30)), ref peakHeap, ref peakResident);
                double tRound = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                if (reply is not FederationResult { Rounds: [RoundCompleted] })
                {
                    Console.WriteLine($"  round {r} did not complete: {(reply as FederationResult)?.Rounds[0] ?? reply}");
                    ok = false;
                    break;
                }
                if (r == 0)
                {
                    continue; // warm-up: JIT, SQLite schema, first model per top-k in each trainer
                }
                perRound.Add(meter.Read() - before);
                train += tTrain;
                round += tRound;
                encode += tEncode;
                spooling += tSpool;
            }
            if (report)
            {
                long heap = GC.GetTotalMemory(forceFullCollection: true);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  memory with {w.Clients.Count:N0} clients, federation alive after its rounds: GC heap {heap / 1e6:F1} MB ({heapBefore / 1e6:F1} MB before the actor system started: the clients' data, the initial model); GC heap during the rounds up to {peakHeap / 1e6:F0} MB (sampled each second, garbage included); resident set during the rounds up to {peakResident / 1e6:F0} MB (sampled), now {ResidentBytes() / 1e6:F0} MB; peak resident set (VmHWM) so far {PeakResidentBytes() / 1e6:F0} MB, target ≤ 4,000 MB"));
            }
        }
        finally
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(30));
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open only leaves a temp folder behind.
            }
        }
        if (perRound.Count == 0)
        {
            return false;
        }
        int n = perRound.Count;
        double overhead = (round - train) / round;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{w.Clients.Count,5:N0} clients, {w.Strategy,-11}: round {round / n,7:F3} s, bare Train loop {train / n,7:F3} s  → overhead {overhead,6:P1} of the round ({(round - train) / n * 1e3 / w.Clients.Count:F2} ms per client){(overhead <= 0.05 ? "" : "  [above the 5% target]")}"));
        if (encode + spooling > 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"      of which, measured apart on the baseline's updates: encode + SHA-256 {encode / n:F3} s, fsynced spool writes {spooling / n:F3} s per round ({(encode + spooling) / (round - train):P0} of the overhead)"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"      per round: journal +{perRound.Average(p => p.Events):F0} events, payload {perRound.Average(p => p.PayloadBytes) / 1e3:F1} KB, db+wal files {perRound.Average(p => p.FileBytes) / 1e3:F1} KB; spool +{perRound.Average(p => p.SpoolBytes) / 1e6:F2} MB"));
        return ok;
    }

    /// <summary>
    /// Waits for a round, sampling the GC heap (without collecting) and the resident set every
    /// second into <paramref name="peakHeap"/> and <paramref name="peakResident"/>; every 30 s without an answer it prints the round manager's
    /// status, so a stalled run says where it stands.
    /// </summary>
    private static object AwaitRound(ActorSystem system, Task<object> pending, ref long peakHeap, ref long peakResident)
    {
        for (int waited = 1; !pending.Wait(TimeSpan.FromSeconds(1)); waited++)
        {
            peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(forceFullCollection: false));
            peakResident = Math.Max(peakResident, ResidentBytes());
            if (waited % 30 != 0)
            {
                continue;
            }
            try
            {
                var manager = system.ActorSelection("/user/server/round-manager").ResolveOne(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
                var s = manager.Ask<RoundStatus>(GetRoundStatus.Instance, TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
                Console.WriteLine($"  … still waiting: open round {s.OpenRound?.ToString(CultureInfo.InvariantCulture) ?? "none"}, {s.Accepted.Count} accepted, {s.Dropped.Count} dropped");
            }
            catch (Exception e) when (e is AskTimeoutException or ActorNotFoundException)
            {
                Console.WriteLine($"  … still waiting; the round manager did not answer a status request: {e.Message}");
            }
        }
        return pending.GetAwaiter().GetResult();
    }

    /// <summary>
    /// The baseline: every client's Train call on <paramref name="threads"/> threads; T_train is
    /// the loop's wall time (one thread: the sum of the calls). With one thread and a
    /// <paramref name="scratch"/> folder, the two per-update costs the round adds on the server
    /// are timed apart, after each call: encoding + SHA-256 (<see cref="Digests"/>) and the
    /// fsynced spool write, into a scratch spool deleted afterwards. No update outlives its
    /// iteration, so the baseline does not inflate the memory figures.
    /// </summary>
    private static (double Train, double Encode, double Spool) TrainLoop(IReadOnlyList<TrainPlan> plans, GlobalModel global, Dictionary<string, HFedMoE.Model.Data.Dataset> data, TrainerPool pool, int threads, string? scratch)
    {
        if (threads > 1)
        {
            long start = Stopwatch.GetTimestamp();
            Parallel.ForEach(plans, new ParallelOptions { MaxDegreeOfParallelism = threads }, plan =>
            {
                using var lease = pool.Rent();
                GC.KeepAlive(lease.Trainer.Train(plan, global, data[plan.ClientId]));
            });
            return (Stopwatch.GetElapsedTime(start).TotalSeconds, 0, 0);
        }
        string? spoolDir = scratch is null ? null : Path.Combine(scratch, Guid.NewGuid().ToString("N"));
        var target = spoolDir is null ? null : UpdateSpool.InDirectory(spoolDir);
        double train = 0, encode = 0, spool = 0;
        using (var lease = pool.Rent())
        {
            foreach (var plan in plans)
            {
                long t0 = Stopwatch.GetTimestamp();
                var update = lease.Trainer.Train(plan, global, data[plan.ClientId]);
                long t1 = Stopwatch.GetTimestamp();
                train += Stopwatch.GetElapsedTime(t0, t1).TotalSeconds;
                if (target is not null)
                {
                    byte[] bytes = Digests.Serialize(update);
                    string digest = Digests.Of(bytes);
                    long t2 = Stopwatch.GetTimestamp();
                    target.Put(digest, bytes);
                    encode += Stopwatch.GetElapsedTime(t1, t2).TotalSeconds;
                    spool += Stopwatch.GetElapsedTime(t2).TotalSeconds;
                }
            }
        }
        if (spoolDir is not null)
        {
            Directory.Delete(spoolDir, recursive: true);
        }
        return (train, encode, spool);
    }

    /// <summary>
    /// What one trainer holds after training every tier (a model + AdamW per top-k in use): what
    /// each client would hold without the pool. On TorchSharp the weights and moments are native,
    /// so the process's resident set is measured along with the GC heap.
    /// </summary>
    private static void TrainerFootprint(int clients)
    {
        var w = FederationWorkload.Create(StrategyFactory.HFedMoE, 3);
        var plans = StrategyFactory.Create(w.Strategy, w.Options).ConfigureTrain(0, w.Initial, [.. w.Clients.Select(c => c.Profile)]);
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        long rssBefore = ResidentBytes();
        using var trainer = new LocalTrainer(w.Model, w.Trainer);
        for (int i = 0; i < plans.Count; i++)
        {
            trainer.Train(plans[i], w.Initial, w.Clients[i].Data);
        }
        long heap = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
        long rss = ResidentBytes() - rssBefore;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"one trainer after training all tiers: {heap / 1e6:F2} MB of GC heap, resident set +{rss / 1e6:F1} MB (libtorch's tensors and allocator included) → one per client would be ≈ {Math.Max(heap, rss) * (double)clients / 1e9:F2} GB for {clients:N0} clients; the pool holds one per training thread"));
    }

    /// <summary>The process's resident set now.</summary>
    private static long ResidentBytes()
    {
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64;
    }

    /// <summary>The process's peak resident set so far (Linux VmHWM), native memory included.</summary>
    private static long PeakResidentBytes()
    {
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64;
    }

    private static int? IntArg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int v) ? v : null;
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
}
