using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using HFedMoE.Runtime.Actor;
using HFedMoE.Runtime.Configuration;

namespace HFedMoE.Bench.Kernel;

/// <summary>
/// The actor kernel against raw System.Threading.Channels doing the same exchange, in the same
/// process run: ping-pong (one pair, one pair per core), fan-out/fan-in, Ask latency, actor
/// creation rate and memory per idle actor. Akka.NET's published figures are printed alongside
/// for orientation only (different machine).
/// </summary>
internal sealed class KernelBenchmark : IBenchmarkSuite
{
    private const int FanOutWorkers = 1000;

    public string Name => "kernel";

    public string Description => "actor ping-pong / fan-out / Ask / creation vs. raw Channel<T> tasks (--quick: <30 s)";

    public int Run(string[] args)
    {
        bool quick = args.Contains("--quick");
        var scale = quick ? Scale.Quick : Scale.Full;
        var results = new List<Row>();
        Say($"kernel benchmark ({(quick ? "quick" : "full")}), {Environment.ProcessorCount} cores, server GC {System.Runtime.GCSettings.IsServerGC}");

        using (var system = ActorSystem.Create("bench", ConfigurationFactory.ParseString("hfedmoe.actor.loglevel = WARNING")))
        {
            // Warm both sides up (JIT, tiering, thread pool) before measuring anything.
            ActorPingPong(system, 1, scale.PingPongRounds / 10);
            ChannelPingPong(1, scale.PingPongRounds / 10);

            long allocBefore = GC.GetTotalAllocatedBytes(precise: true);
            double actorOne = ActorPingPong(system, 1, scale.PingPongRounds);
            double actorBytesPerMsg = (GC.GetTotalAllocatedBytes(precise: true) - allocBefore) / (2.0 * scale.PingPongRounds);
            allocBefore = GC.GetTotalAllocatedBytes(precise: true);
            double channelOne = ChannelPingPong(1, scale.PingPongRounds);
            double channelBytesPerMsg = (GC.GetTotalAllocatedBytes(precise: true) - allocBefore) / (2.0 * scale.PingPongRounds);
            results.Add(new Row("ping-pong, 1 pair (msg/s)", actorOne, channelOne, 8.7e6, "M"));

            // The same exchange on the two dedicated threads of hfedmoe.actor.dedicated-dispatcher:
            // shows how much of the cost is the ThreadPool hand-off between the two actors.
            ActorPingPong(system, 1, scale.PingPongRounds / 10, "dedicated-dispatcher");
            double actorDedicated = ActorPingPong(system, 1, scale.PingPongRounds, "dedicated-dispatcher");
            results.Add(new Row("ping-pong, 1 pair, 2 dedicated threads", actorDedicated, channelOne, 8.7e6, "M"));

            int pairs = Environment.ProcessorCount;
            double actorMany = ActorPingPong(system, pairs, scale.PingPongRounds / pairs);
            double channelMany = ChannelPingPong(pairs, scale.PingPongRounds / pairs);
            results.Add(new Row($"ping-pong, {pairs} pairs (msg/s)", actorMany, channelMany, pairs == 2 ? 18.9e6 : null, "M"));

            double actorFan = ActorFanOut(system, scale.FanOutRounds);
            double channelFan = ChannelFanOut(scale.FanOutRounds);
            results.Add(new Row($"fan-out/in 1->{FanOutWorkers}->1 (msg/s)", actorFan, channelFan, null, "M"));

            // A discarded round of each first: tiered JIT (with PGO instrumentation) otherwise
            // shows up in whichever variant is measured first.
            AskLatency(system, scale.AskCount / 2, timeout: null);
            AskLatency(system, scale.AskCount / 2, timeout: TimeSpan.FromSeconds(5));
            ChannelRequestLatency(scale.AskCount / 2);
            allocBefore = GC.GetTotalAllocatedBytes(precise: true);
            var (askP50, askP99) = AskLatency(system, scale.AskCount, timeout: null);
            double askBytes = (GC.GetTotalAllocatedBytes(precise: true) - allocBefore) / (1.1 * scale.AskCount);
            allocBefore = GC.GetTotalAllocatedBytes(precise: true);
            var (askTP50, askTP99) = AskLatency(system, scale.AskCount, timeout: TimeSpan.FromSeconds(5));
            double askTimeoutBytes = (GC.GetTotalAllocatedBytes(precise: true) - allocBefore) / (1.1 * scale.AskCount);
            allocBefore = GC.GetTotalAllocatedBytes(precise: true);
            var (rawP50, rawP99) = ChannelRequestLatency(scale.AskCount);
            double rawBytes = (GC.GetTotalAllocatedBytes(precise: true) - allocBefore) / (1.1 * scale.AskCount);
            results.Add(new Row("Ask p50 (us)", askP50, rawP50, 1.8, "us"));
            results.Add(new Row("Ask p99 (us)", askP99, rawP99, 4.6, "us"));
            results.Add(new Row("Ask+5s timeout p50 (us)", askTP50, rawP50, 1.8, "us"));
            results.Add(new Row("Ask+5s timeout p99 (us)", askTP99, rawP99, 4.6, "us"));

            Say($"this machine's raw-channel ping-pong is {channelOne / 8e6:F2}x the ~8 M msg/s of the Akka.NET reference machine; read the Akka column with that in mind");
            Say($"allocated per ping-pong message: actors {actorBytesPerMsg:F2} B, channels {channelBytesPerMsg:F2} B");
            Say($"allocated per request/response: Ask {askBytes:F0} B, Ask with timeout {askTimeoutBytes:F0} B, channel + TaskCompletionSource {rawBytes:F0} B");
        }

        var (perSecond, bytesPerActor, stopSeconds) = Creation(scale.CreateCount);
        results.Add(new Row($"create {scale.CreateCount:N0} actors (actors/s)", perSecond, null, 60e3, "k"));
        results.Add(new Row("memory per idle actor (B)", bytesPerActor, null, 1760, "B"));
        Say($"stopping {scale.CreateCount:N0} actors took {stopSeconds:F2} s");

        Print(results);
        return 0;
    }

    private static void Print(List<Row> rows)
    {
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Say($"{"measure",-36} {"ours",12} {"raw channel",12} {"ours/raw",9} {"Akka.NET ref",13} {"ours/Akka",10}");
        foreach (var r in rows)
        {
            string raw = r.Baseline is { } b ? Format(b, r.Unit) : "-";
            string ratio = r.Baseline is { } b2 && b2 > 0 ? (r.Ours / b2).ToString("F2", c) : "-";
            string akka = r.Akka is { } a ? Format(a, r.Unit) : "-";
            string akkaRatio = r.Akka is { } a2 ? (r.Ours / a2).ToString("F2", c) : "-";
            Say($"{r.Measure,-36} {Format(r.Ours, r.Unit),12} {raw,12} {ratio,9} {akka,13} {akkaRatio,10}");
        }
        Console.WriteLine();
        Console.WriteLine("Akka.NET reference (its own hardware): ping-pong 8.7 M msg/s (1 pair), 18.9 M msg/s (2 pairs);");
        Console.WriteLine("Ask p50 1.8 us, p99 4.6 us; creation 50-70 k actors/s at ~1,760 B/actor; raw channel 1 pair ~8 M msg/s.");
        Console.WriteLine("For latencies and bytes lower is better, so ratios above 1 are worse there.");
    }

    private static void Say(FormattableString line) => Console.WriteLine(FormattableString.Invariant(line));

    private static string Format(double value, string unit) => unit switch
    {
        "M" => (value / 1e6).ToString("F2", CultureInfo.InvariantCulture) + " M",
        "k" => (value / 1e3).ToString("F1", CultureInfo.InvariantCulture) + " k",
        "us" => value.ToString("F1", CultureInfo.InvariantCulture) + " us",
        _ => value.ToString("F0", CultureInfo.InvariantCulture) + " " + unit,
    };

    // ---------------------------------------------------------------- ping-pong

    private static double ActorPingPong(ActorSystem system, int pairs, int rounds, string? dispatcher = null)
    {
        var pongerProps = Props.Create(() => new Ponger());
        var pingerProps = Props.Create(() => new Pinger());
        if (dispatcher is not null)
        {
            pongerProps = pongerProps.WithDispatcher(dispatcher);
            pingerProps = pingerProps.WithDispatcher(dispatcher);
        }
        var done = new List<Task>();
        var actors = new List<IActorRef>();
        var starts = new List<(IActorRef Pinger, Start Start)>();
        for (int p = 0; p < pairs; p++)
        {
            var ponger = system.ActorOf(pongerProps);
            var pinger = system.ActorOf(pingerProps);
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            done.Add(tcs.Task);
            actors.Add(ponger);
            actors.Add(pinger);
            starts.Add((pinger, new Start(ponger, rounds, tcs)));
        }
        var sw = Stopwatch.StartNew();
        foreach (var (pinger, start) in starts)
        {
            pinger.Tell(start, null);
        }
        Task.WaitAll(done);
        sw.Stop();
        foreach (var a in actors)
        {
            system.Stop(a);
        }
        return 2.0 * rounds * pairs / sw.Elapsed.TotalSeconds;
    }

    private static double ChannelPingPong(int pairs, int rounds)
    {
        var sw = Stopwatch.StartNew();
        var tasks = new Task[pairs];
        for (int p = 0; p < pairs; p++)
        {
            tasks[p] = ChannelPair(rounds);
        }
        Task.WaitAll(tasks);
        return 2.0 * rounds * pairs / sw.Elapsed.TotalSeconds;
    }

    private static Task ChannelPair(int rounds)
    {
        var options = new UnboundedChannelOptions { SingleReader = true, SingleWriter = true };
        var toPonger = Channel.CreateUnbounded<object>(options);
        var toPinger = Channel.CreateUnbounded<object>(options);
        var ponger = Task.Run(async () =>
        {
            for (int i = 0; i < rounds; i++)
            {
                var m = await toPonger.Reader.ReadAsync();
                toPinger.Writer.TryWrite(m);
            }
        });
        var pinger = Task.Run(async () =>
        {
            for (int i = 0; i < rounds; i++)
            {
                toPonger.Writer.TryWrite(Ball.Instance);
                await toPinger.Reader.ReadAsync();
            }
        });
        return Task.WhenAll(ponger, pinger);
    }

    // ---------------------------------------------------------------- fan-out / fan-in

    private static double ActorFanOut(ActorSystem system, int rounds)
    {
        var workers = new IActorRef[FanOutWorkers];
        for (int i = 0; i < workers.Length; i++)
        {
            workers[i] = system.ActorOf(Props.Create(() => new Ponger()));
        }
        long total = (long)rounds * FanOutWorkers;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sink = system.ActorOf(Props.Create(() => new Sink(total, done)));
        var sw = Stopwatch.StartNew();
        for (int r = 0; r < rounds; r++)
        {
            foreach (var w in workers)
            {
                w.Tell(Ball.Instance, sink);
            }
        }
        done.Task.Wait();
        sw.Stop();
        foreach (var w in workers)
        {
            system.Stop(w);
        }
        system.Stop(sink);
        return 2.0 * total / sw.Elapsed.TotalSeconds;
    }

    private static double ChannelFanOut(int rounds)
    {
        var options = new UnboundedChannelOptions { SingleReader = true, SingleWriter = true };
        var sink = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
        var inboxes = new Channel<object>[FanOutWorkers];
        var workers = new Task[FanOutWorkers];
        for (int i = 0; i < FanOutWorkers; i++)
        {
            var inbox = inboxes[i] = Channel.CreateUnbounded<object>(options);
            workers[i] = Task.Run(async () =>
            {
                await foreach (var m in inbox.Reader.ReadAllAsync())
                {
                    sink.Writer.TryWrite(m);
                }
            });
        }
        long total = (long)rounds * FanOutWorkers;
        var sw = Stopwatch.StartNew();
        var collector = Task.Run(async () =>
        {
            for (long n = 0; n < total; n++)
            {
                await sink.Reader.ReadAsync();
            }
        });
        for (int r = 0; r < rounds; r++)
        {
            foreach (var inbox in inboxes)
            {
                inbox.Writer.TryWrite(Ball.Instance);
            }
        }
        collector.Wait();
        sw.Stop();
        foreach (var inbox in inboxes)
        {
            inbox.Writer.Complete();
        }
        Task.WaitAll(workers);
        return 2.0 * total / sw.Elapsed.TotalSeconds;
    }

    // ---------------------------------------------------------------- Ask latency

    private static (double P50, double P99) AskLatency(ActorSystem system, int count, TimeSpan? timeout)
    {
        var echo = system.ActorOf(Props.Create(() => new Ponger()));
        var samples = new double[count];
        RunSequential(count / 10, async _ => await echo.Ask<Ball>(Ball.Instance, timeout));
        RunSequential(count, async i =>
        {
            long t0 = Stopwatch.GetTimestamp();
            await echo.Ask<Ball>(Ball.Instance, timeout);
            samples[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        });
        system.Stop(echo);
        return Percentiles(samples);
    }

    private static (double P50, double P99) ChannelRequestLatency(int count)
    {
        var requests = Channel.CreateUnbounded<TaskCompletionSource<object>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var server = Task.Run(async () =>
        {
            await foreach (var request in requests.Reader.ReadAllAsync())
            {
                request.SetResult(Ball.Instance);
            }
        });
        var samples = new double[count];
        async Task RoundTrip(int i)
        {
            long t0 = Stopwatch.GetTimestamp();
            var tcs = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
            requests.Writer.TryWrite(tcs);
            await tcs.Task;
            if (i >= 0)
            {
                samples[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
            }
        }
        RunSequential(count / 10, _ => RoundTrip(-1));
        RunSequential(count, RoundTrip);
        requests.Writer.Complete();
        server.Wait();
        return Percentiles(samples);
    }

    private static void RunSequential(int count, Func<int, Task> body) =>
        Task.Run(async () =>
        {
            for (int i = 0; i < count; i++)
            {
                await body(i);
            }
        }).Wait();

    private static (double P50, double P99) Percentiles(double[] samples)
    {
        Array.Sort(samples);
        return (samples[samples.Length / 2], samples[(int)(samples.Length * 0.99)]);
    }

    // ---------------------------------------------------------------- creation and memory

    private static (double PerSecond, double BytesPerActor, double StopSeconds) Creation(int count)
    {
        using var system = ActorSystem.Create("bench-create", ConfigurationFactory.ParseString("hfedmoe.actor.loglevel = WARNING"));
        var started = new StartCounter(count);
        var parent = system.ActorOf(Props.Create(() => new Parent()));
        var childProps = Props.Create(() => new IdleChild(started));
        // Warm the creation path up on a throwaway parent so JIT does not count as creation time.
        var warm = new StartCounter(1000);
        var warmParent = system.ActorOf(Props.Create(() => new Parent()));
        warmParent.Tell(new CreateChildren(Props.Create(() => new IdleChild(warm)), 1000), null);
        warm.AllStarted.Wait();
        system.Stop(warmParent);

        long memBefore = GC.GetTotalMemory(forceFullCollection: true);
        var sw = Stopwatch.StartNew();
        parent.Tell(new CreateChildren(childProps, count), null);
        started.AllStarted.Wait();
        sw.Stop();
        long memAfter = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(parent);

        var stop = Stopwatch.StartNew();
        system.Terminate().Wait(TimeSpan.FromMinutes(2));
        return (count / sw.Elapsed.TotalSeconds, (memAfter - memBefore) / (double)count, stop.Elapsed.TotalSeconds);
    }

    // ---------------------------------------------------------------- actors and messages

    private sealed record Scale(int PingPongRounds, int FanOutRounds, int AskCount, int CreateCount)
    {
        public static Scale Full { get; } = new(2_000_000, 200, 200_000, 1_000_000);

        public static Scale Quick { get; } = new(300_000, 30, 30_000, 100_000);
    }

    private sealed record Row(string Measure, double Ours, double? Baseline, double? Akka, string Unit);

    /// <summary>The one message object every exchange passes around, so the runtime's own allocations are what is measured.</summary>
    private sealed class Ball
    {
        public static Ball Instance { get; } = new();
    }

    private sealed record Start(IActorRef Partner, int Rounds, TaskCompletionSource Done);

    private sealed record CreateChildren(Props Props, int Count);

    private sealed class StartCounter(int target)
    {
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _count;

        public Task AllStarted => _all.Task;

        public void Started()
        {
            if (Interlocked.Increment(ref _count) == target)
            {
                _all.SetResult();
            }
        }
    }

    private sealed class Ponger : ReceiveActor
    {
        public Ponger()
        {
            ReceiveAny(m => Sender.Tell(m, Self));
        }
    }

    private sealed class Pinger : ReceiveActor
    {
        private int _left;
        private TaskCompletionSource? _done;

        public Pinger()
        {
            Receive<Start>(s =>
            {
                _left = s.Rounds;
                _done = s.Done;
                s.Partner.Tell(Ball.Instance, Self);
            });
            Receive<Ball>(b =>
            {
                if (--_left == 0)
                {
                    _done!.SetResult();
                }
                else
                {
                    Sender.Tell(b, Self);
                }
            });
        }
    }

    private sealed class Sink : ReceiveActor
    {
        private long _left;

        public Sink(long total, TaskCompletionSource done)
        {
            _left = total;
            ReceiveAny(_ =>
            {
                if (--_left == 0)
                {
                    done.SetResult();
                }
            });
        }
    }

    private sealed class Parent : ReceiveActor
    {
        public Parent()
        {
            Receive<CreateChildren>(c =>
            {
                for (int i = 0; i < c.Count; i++)
                {
                    Context.ActorOf(c.Props);
                }
            });
        }
    }

    private sealed class IdleChild(StartCounter counter) : ReceiveActor
    {
        protected override void PreStart() => counter.Started();
    }
}
