using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Akka.Configuration;

namespace HFedMoE.Bench.Cluster;

/// <summary>
/// How long a dead client holds up its round: real <c>hfedmoe seed</c> and three
/// <c>hfedmoe client</c> processes on loopback with the shipped settings (hocon/cluster.conf over
/// Akka's defaults, no test overrides); in each trial one client hangs on its round's plan
/// (<c>--stall-round</c>), is killed with SIGKILL, and the time from the kill to the seed's
/// line that removes it from the round is measured (the coordinator's "client-1 dropped" on the
/// unreachable event, or the commit of the round without it, whichever comes first); the client is then started again at its address and
/// hangs in the next round. The baseline is the bound the failure detector's configuration
/// implies (phi-accrual: the silence after which phi passes the threshold with steady heartbeats,
/// plus the reaper interval that turns it into an unreachable event), from the same config.
/// </summary>
internal sealed class DropLatencyBenchmark : IBenchmarkSuite
{
    public string Name => "cluster-drop";

    public string Description => "time from a client's kill -9 to its drop from the round (seed + 3 client processes, default settings) vs the failure detector's bound; --trials N";

    public int Run(string[] args)
    {
        int trials = args.Length >= 2 && args[0] == "--trials" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        string hfedmoe = Path.Combine(AppContext.BaseDirectory, "hfedmoe.dll");
        if (!File.Exists(hfedmoe))
        {
            Console.Error.WriteLine($"hfedmoe.dll not found beside the bench ({hfedmoe}); build bench/HFedMoE.Bench");
            return 1;
        }
        var bound = DetectorBound.FromShippedConfig();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"failure detector (akka.cluster.failure-detector): heartbeat {bound.HeartbeatInterval.TotalSeconds:F1} s, acceptable pause {bound.AcceptablePause.TotalSeconds:F1} s, threshold {bound.Threshold}, min std {bound.MinStd.TotalMilliseconds:F0} ms, reaper {bound.ReaperInterval.TotalSeconds:F1} s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bound: phi passes {bound.Threshold} after {bound.PhiCrossing.TotalSeconds:F2} s of silence (steady heartbeats) + reaper {bound.ReaperInterval.TotalSeconds:F1} s = {bound.Total.TotalSeconds:F2} s; soon after a join (the detector's two seed samples at ±25 %: std {bound.HeartbeatInterval.TotalMilliseconds / 4:F0} ms) {bound.EarlyTotal.TotalSeconds:F2} s"));

        string dir = Directory.CreateTempSubdirectory("hfedmoe-cluster-drop-").FullName;
        var processes = new List<NodeProcess>();
        try
        {
            int[] ports = FreePorts(4);
            string[] data = ["--clients", "3", "--samples-per-client", "24", "--public-size", "64", "--d-model", "16", "--experts", "4", "--hidden", "16"];
            string P(int p) => p.ToString(CultureInfo.InvariantCulture);
            NodeProcess Start(params string[] a)
            {
                var p = NodeProcess.Start(hfedmoe, a);
                processes.Add(p);
                return p;
            }
            string[] Client(int i, params string[] more) => ["client", .. data, "--client-id", $"client-{i}", "--port", P(ports[i + 1]), "--seed", $"127.0.0.1:{P(ports[0])}", .. more];

            var seed = Start(["seed", .. data, "--rounds", P(trials + 1), "--local-steps", "3", "--pretrain-steps", "5", "--data-dir", Path.Combine(dir, "seed"), "--port", P(ports[0])]);
            Start(Client(0));
            Start(Client(2));
            var victim = Start(Client(1, "--stall-round", "0"));
            var measured = new List<double>();
            for (int round = 0; round < trials; round++)
            {
                victim.WaitFor((l, _) => l == $"round {round}: stalling (--stall-round)");
                long killedAt = Stopwatch.GetTimestamp();
                victim.Kill();
                // Removed from the round by whichever comes first: the coordinator on the unreachable event
                // ("client client-1 dropped"), or the round manager's DeathWatch, which ends the round at once
                // (the others answered long before). Lines printed before the kill belong to the last trial.
                var (first, removedAt) = seed.WaitFor((l, at) => at > killedAt
                    && (l.StartsWith("client client-1 dropped", StringComparison.Ordinal) || l.StartsWith($"round {round} committed", StringComparison.Ordinal)));
                string committed = first.StartsWith("round", StringComparison.Ordinal)
                    ? first
                    : seed.WaitFor((l, _) => l.StartsWith($"round {round} committed", StringComparison.Ordinal)).Line;
                if (!committed.EndsWith("dropped client-1", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"round {round} committed without dropping client-1: {committed}");
                }
                double seconds = Stopwatch.GetElapsedTime(killedAt, removedAt).TotalSeconds;
                measured.Add(seconds);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trial {round + 1}: kill -9 → dropped from round {round} in {seconds:F2} s ({seconds / bound.Total.TotalSeconds:F2} × bound)"));
                victim = Start(Client(1, "--stall-round", P(round + 1)));
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"death → removal from the round: mean {measured.Average():F2} s, min {measured.Min():F2} s, max {measured.Max():F2} s over {measured.Count} trials; max / bound = {measured.Max() / bound.Total.TotalSeconds:F2} ({(measured.Max() <= bound.Total.TotalSeconds ? "within" : "beyond")} the bound)"));
            return 0;
        }
        finally
        {
            foreach (var p in processes)
            {
                p.Dispose();
            }
            Directory.Delete(dir, recursive: true);
        }
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        int[] ports = [.. listeners.Select(l => ((System.Net.IPEndPoint)l.LocalEndpoint).Port)];
        listeners.ForEach(l => l.Stop());
        return ports;
    }

    /// <summary>The failure detector's settings as shipped and the detection time they imply.</summary>
    private sealed record DetectorBound(TimeSpan HeartbeatInterval, TimeSpan AcceptablePause, double Threshold, TimeSpan MinStd, TimeSpan ReaperInterval)
    {
        public static DetectorBound FromShippedConfig()
        {
            var host = System.Reflection.Assembly.Load("hfedmoe");
            using var stream = host.GetManifestResourceStream("HFedMoE.cluster.conf")!;
            using var reader = new StreamReader(stream);
            var config = ConfigurationFactory.ParseString(reader.ReadToEnd()).WithFallback(ConfigurationFactory.FromResource<Akka.Cluster.Cluster>("Akka.Cluster.Configuration.Cluster.conf"));
            var fd = config.GetConfig("akka.cluster.failure-detector");
            return new DetectorBound(
                fd.GetTimeSpan("heartbeat-interval"), fd.GetTimeSpan("acceptable-heartbeat-pause"), fd.GetDouble("threshold"),
                fd.GetTimeSpan("min-std-deviation"), config.GetTimeSpan("akka.cluster.unreachable-nodes-reaper-interval"));
        }

        /// <summary>
        /// The silence after the last heartbeat at which phi reaches the threshold, by Akka's
        /// PhiAccrualFailureDetector formula: intervals of exactly the heartbeat interval, so the
        /// standard deviation is the configured minimum.
        /// </summary>
        public TimeSpan PhiCrossing => Crossing(MinStd.TotalMilliseconds);

        public TimeSpan Total => PhiCrossing + ReaperInterval;

        /// <summary>As <see cref="Total"/> while the detector's history is still dominated by the two samples it starts with (the interval ± a quarter).</summary>
        public TimeSpan EarlyTotal => Crossing(Math.Max(MinStd.TotalMilliseconds, HeartbeatInterval.TotalMilliseconds / 4)) + ReaperInterval;

        private TimeSpan Crossing(double std)
        {
            {
                double mean = HeartbeatInterval.TotalMilliseconds + AcceptablePause.TotalMilliseconds;
                double t = mean;
                while (Phi(t, mean, std) < Threshold)
                {
                    t += 1;
                }
                return TimeSpan.FromMilliseconds(t);
            }
        }

        private static double Phi(double timeDiff, double mean, double std)
        {
            double y = (timeDiff - mean) / std;
            double e = Math.Exp(-y * (1.5976 + 0.070566 * y * y));
            return timeDiff > mean ? -Math.Log10(e / (1.0 + e)) : -Math.Log10(1.0 - 1.0 / (1.0 + e));
        }
    }

    /// <summary>A child hfedmoe process whose stdout lines are timestamped as they arrive.</summary>
    private sealed class NodeProcess : IDisposable
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(180);
        private readonly Process _process;
        private readonly BlockingCollection<(string Line, long At)> _lines = [];
        private readonly ConcurrentQueue<string> _seen = new();

        private NodeProcess(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    _lines.Add((line, Stopwatch.GetTimestamp()));
                    _seen.Enqueue(line);
                }
            };
            _process.ErrorDataReceived += (_, e) => _seen.Enqueue("stderr: " + e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public static NodeProcess Start(string dll, string[] args)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(dll);
            foreach (string a in args)
            {
                psi.ArgumentList.Add(a);
            }
            return new NodeProcess(Process.Start(psi)!);
        }

        public (string Line, long At) WaitFor(Func<string, long, bool> match)
        {
            var deadline = Stopwatch.StartNew();
            while (_lines.TryTake(out var item, Patience - deadline.Elapsed > TimeSpan.Zero ? Patience - deadline.Elapsed : TimeSpan.Zero))
            {
                if (match(item.Line, item.At))
                {
                    return item;
                }
            }
            throw new TimeoutException($"no expected line within {Patience}; the process printed:\n{string.Join('\n', _seen)}");
        }

        public void Kill()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
            _process.WaitForExit();
        }

        public void Dispose()
        {
            Kill();
            _process.Dispose();
            _lines.Dispose();
        }
    }
}
