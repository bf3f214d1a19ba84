using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Akka.Actor;
using Akka.Configuration;
using HFedMoE.Actors.Configuration;
using HFedMoE.Actors.Transport;

namespace HFedMoE.Bench.Transport;

/// <summary>
/// Akka.Remote over loopback against a raw TCP socket in the same run: round trip (1 pair, one
/// message in flight), message throughput with 1 and 10 pairs (a window of 64 small messages in
/// flight per pair), and large updates (16 MB, 256 MB) through the StreamRef transport
/// (Transport/LargeMessageSender → StreamInbox) in MB/s with the peak managed heap above the idle
/// one (both ends are in this process, so that is both ends together). The raw baseline does the
/// same with 4-byte length-prefixed frames over one socket per pair, the large transfer as one
/// frame written in 64 KiB pieces into a preallocated receive buffer.
/// </summary>
internal sealed class TransportBenchmark : IBenchmarkSuite
{
    private const int Window = 64;
    private const int Payload = 100;

    public string Name => "transport";

    public string Description => "Akka.Remote on loopback vs a raw TCP socket: round trip, msgs/s with 1 and 10 pairs, 16/256 MB updates via StreamRefs (MB/s, peak memory); --quick";

    public int Run(string[] args)
    {
        bool quick = args.Contains("--quick");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"transport benchmark ({(quick ? "quick" : "full")}): {Environment.ProcessorCount} cores, load average {LoadAverage()}; two actor systems in this process, Akka.Remote DotNetty TCP on 127.0.0.1, maximum-frame-size at Akka's 128000 bytes"));
        var receiver = Node("receiver");
        var sender = Node("sender");
        try
        {
            int rtts = quick ? 500 : 3000;
            int messages = quick ? 5_000 : 40_000;
            var echo = receiver.ActorOf(Props.Create(() => new Echo()), "echo");
            var remoteEcho = sender.ActorSelection(new RootActorPath(Address(receiver)) / "user" / "echo").ResolveOne(TimeSpan.FromSeconds(10)).Result;
            using var raw = new RawEcho();

            AkkaPingPong(sender, remoteEcho, rtts / 5, 1, 1); // warm-up
            raw.PingPong(rtts / 5, 1, 1);
            double akkaRtt = Timed(() => AkkaPingPong(sender, remoteEcho, rtts, 1, 1)).TotalMicroseconds / rtts;
            double rawRtt = Timed(() => raw.PingPong(rtts, 1, 1)).TotalMicroseconds / rtts;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round trip, 1 pair, {Payload}-byte messages: akka {akkaRtt:F0} µs, raw {rawRtt:F0} µs ({akkaRtt / rawRtt:F1}× the raw socket's)"));
            foreach (int pairs in new[] { 1, 10 })
            {
                int each = messages / pairs;
                double akka = pairs * each / Timed(() => AkkaPingPong(sender, remoteEcho, each, pairs, Window)).TotalSeconds;
                double rawRate = pairs * each / Timed(() => raw.PingPong(each, pairs, Window)).TotalSeconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"throughput, {pairs} pair(s), window {Window}: akka {akka:N0} msgs/s, raw {rawRate:N0} msgs/s (ratio {akka / rawRate:F3})"));
            }

            var settings = TransportSettings.FromConfig(receiver.Settings.Config);
            // Warm-up: JIT, the materializers, the stream-ref actors, the raw connection.
            AkkaTransfer(sender, receiver, new byte[4 * 1024 * 1024], settings);
            raw.Transfer(new byte[4 * 1024 * 1024]);
            foreach (int mb in quick ? new[] { 16 } : new[] { 16, 256 })
            {
                var bytes = new byte[mb * 1024 * 1024];
                new Random(mb).NextBytes(bytes);
                var (akkaTime, akkaPeak) = AkkaTransfer(sender, receiver, bytes, settings);
                var (rawTime, rawPeak) = raw.Transfer(bytes);
                double akkaRate = mb / akkaTime.TotalSeconds, rawRate = mb / rawTime.TotalSeconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"update {mb} MiB: akka streamref {akkaRate:F0} MiB/s, peak heap +{akkaPeak / 1048576.0:F0} MiB; raw socket {rawRate:F0} MiB/s, peak heap +{rawPeak / 1048576.0:F0} MiB; ratio {akkaRate / rawRate:F3} (target ≥ 0.7)"));
            }
            return 0;
        }
        finally
        {
            sender.Terminate().Wait(TimeSpan.FromSeconds(20));
            receiver.Terminate().Wait(TimeSpan.FromSeconds(20));
        }
    }

    private static ActorSystem Node(string name)
    {
        var config = ConfigurationFactory.ParseString("""
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0, tcp-reuse-addr = off }
            akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
            akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
            akka.loglevel = ERROR
            """);
        return ActorSystem.Create(name, HfedmoeConfig.ActorSystemConfig(config, Path.Combine(Path.GetTempPath(), "hfedmoe-bench-" + name)));
    }

    private static Address Address(ActorSystem system) => ((ExtendedActorSystem)system).Provider.DefaultAddress;

    private static TimeSpan Timed(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed;
    }

    /// <summary><paramref name="pairs"/> local pingers, each keeping <paramref name="window"/> messages in flight to the remote echo until <paramref name="each"/> came back.</summary>
    private static void AkkaPingPong(ActorSystem system, IActorRef echo, int each, int pairs, int window)
    {
        var done = Enumerable.Range(0, pairs).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var pingers = done.Select(d => system.ActorOf(Props.Create(() => new Pinger(echo, each, window, d)))).ToList();
        Task.WaitAll([.. done.Select(d => d.Task)]);
        pingers.ForEach(p => system.Stop(p));
    }

    private static (TimeSpan Time, long PeakHeap) AkkaTransfer(ActorSystem sender, ActorSystem receiver, byte[] bytes, TransportSettings settings)
    {
        var arrived = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sink = receiver.ActorOf(Props.Create(() => new Sink(arrived)));
        string name = "inbox-" + Guid.NewGuid().ToString("N");
        receiver.ActorOf(StreamInbox.Props(sink, settings), name);
        var inbox = sender.ActorSelection(new RootActorPath(Address(receiver)) / "user" / name).ResolveOne(TimeSpan.FromSeconds(10)).Result;
        using var outlet = new LargeMessageSender(sender, settings);
        using var meter = new HeapMeter();
        var sw = Stopwatch.StartNew();
        inbox.Tell(outlet.Announce(bytes, "bench").Result);
        var received = arrived.Task.Result;
        var time = sw.Elapsed;
        long peak = meter.Stop();
        if (!SHA256.HashData(received).AsSpan().SequenceEqual(SHA256.HashData(bytes)))
        {
            throw new InvalidOperationException("the streamed update arrived different");
        }
        return (time, peak);
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>The largest managed heap seen (sampled every 2 ms) above the heap when it started, after a full collection.</summary>
    internal sealed class HeapMeter : IDisposable
    {
        private readonly long _start;
        private readonly Thread _thread;
        private volatile bool _stop;
        private long _peak;

        public HeapMeter()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            _start = GC.GetTotalMemory(false);
            _thread = new Thread(() =>
            {
                while (!_stop)
                {
                    long now = GC.GetTotalMemory(false);
                    if (now > Interlocked.Read(ref _peak))
                    {
                        Interlocked.Exchange(ref _peak, now);
                    }
                    Thread.Sleep(2);
                }
            }) { IsBackground = true };
            _thread.Start();
        }

        public long Stop()
        {
            _stop = true;
            _thread.Join();
            return Math.Max(0, Interlocked.Read(ref _peak) - _start);
        }

        public void Dispose()
        {
            if (!_stop)
            {
                Stop();
            }
        }
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo() => Receive<byte[]>(m => Sender.Tell(m));
    }

    private sealed class Sink : ReceiveActor
    {
        public Sink(TaskCompletionSource<byte[]> arrived) => Receive<byte[]>(arrived.SetResult);
    }

    private sealed class Pinger : ReceiveActor
    {
        public Pinger(IActorRef echo, int total, int window, TaskCompletionSource done)
        {
            var message = new byte[Payload];
            int sent = 0, back = 0;
            Receive<byte[]>(_ =>
            {
                if (++back == total)
                {
                    done.SetResult();
                }
                else if (sent < total)
                {
                    sent++;
                    echo.Tell(message, Self);
                }
            });
            for (; sent < Math.Min(window, total); sent++)
            {
                echo.Tell(message, Self);
            }
        }
    }

    /// <summary>The raw baseline: a TCP echo server on loopback speaking 4-byte length-prefixed frames.</summary>
    private sealed class RawEcho : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();

        public RawEcho()
        {
            _listener.Start();
            _ = Task.Run(Accept);
        }

        private int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        private async Task Accept()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }
                client.NoDelay = true;
                _ = Task.Run(() => Serve(client));
            }
        }

        // Frames of length ≤ 1 KiB are echoed; a longer one (a transfer) is read into one buffer
        // of its size and answered with one byte.
        private static async Task Serve(TcpClient client)
        {
            using (client)
            {
                var stream = client.GetStream();
                var header = new byte[4];
                var small = new byte[4 + 1024];
                try
                {
                    while (true)
                    {
                        await stream.ReadExactlyAsync(header);
                        int length = BinaryPrimitives.ReadInt32LittleEndian(header);
                        if (length <= 1024)
                        {
                            // Header and payload in one write, as a frame encoder would.
                            header.CopyTo(small, 0);
                            await stream.ReadExactlyAsync(small.AsMemory(4, length));
                            await stream.WriteAsync(small.AsMemory(0, 4 + length));
                        }
                        else
                        {
                            var buffer = GC.AllocateUninitializedArray<byte>(length);
                            await stream.ReadExactlyAsync(buffer);
                            await stream.WriteAsync(new byte[] { 1 });
                        }
                    }
                }
                catch (Exception e) when (e is IOException or EndOfStreamException or ObjectDisposedException)
                {
                }
            }
        }

        public void PingPong(int each, int pairs, int window)
        {
            Task.WaitAll([.. Enumerable.Range(0, pairs).Select(_ => Task.Run(() => Pair(each, window)))]);
        }

        private async Task Pair(int total, int window)
        {
            using var client = new TcpClient { NoDelay = true };
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            var frame = new byte[4 + Payload];
            BinaryPrimitives.WriteInt32LittleEndian(frame, Payload);
            var reply = new byte[4 + Payload];
            int sent = 0;
            for (; sent < Math.Min(window, total); sent++)
            {
                await stream.WriteAsync(frame);
            }
            for (int back = 0; back < total; back++)
            {
                await stream.ReadExactlyAsync(reply);
                if (sent < total)
                {
                    sent++;
                    await stream.WriteAsync(frame);
                }
            }
        }

        public (TimeSpan Time, long PeakHeap) Transfer(byte[] bytes)
        {
            using var client = new TcpClient { NoDelay = true };
            client.Connect(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            using var meter = new HeapMeter();
            var sw = Stopwatch.StartNew();
            var header = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(header, bytes.Length);
            stream.Write(header);
            for (int offset = 0; offset < bytes.Length; offset += 64 * 1024)
            {
                stream.Write(bytes, offset, Math.Min(64 * 1024, bytes.Length - offset));
            }
            stream.ReadExactly(new byte[1]);
            return (sw.Elapsed, meter.Stop());
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }
}
