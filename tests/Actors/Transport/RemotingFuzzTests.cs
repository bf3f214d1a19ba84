using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;

namespace HFedMoE.Actors.Tests.Transport;

/// <summary>
/// Ten thousand and more random and mutated frames sent straight at a node's remoting port (plain
/// TCP, Akka.Remote's 4-byte length-prefixed frames) leave the node up and serving: afterwards a
/// new node still gets its answer. The mutations start from real frames, recorded from a node
/// talking to the target through a relay.
/// </summary>
public sealed class RemotingFuzzTests : Akka.TestKit.Xunit2.TestKit
{
    private const int Frames = 10_000;
    private const string Quiet = "akka.loglevel = OFF\nakka.stdout-loglevel = OFF";
    private readonly List<ActorSystem> _systems = [];

    protected override void AfterAll()
    {
        foreach (var s in _systems)
        {
            s.Terminate().Wait(TimeSpan.FromSeconds(20));
        }
        base.AfterAll();
    }

    private ActorSystem Node(string name, string extra = "")
    {
        var system = RemoteNode.Start(name, extra);
        _systems.Add(system);
        return system;
    }

    [Fact]
    public async Task Random_and_mutated_frames_at_the_remoting_port_leave_the_node_up_and_serving()
    {
        // The target binds a free port and calls itself by the relay's, so every node that talks
        // to it goes through the relay, which keeps a copy of the frames it forwards to the target.
        using var relay = new Relay();
        int port = FreePort();
        var target = Node("target", $"{Quiet}\nakka.remote.dot-netty.tcp {{ port = {port}, public-port = {relay.Port} }}");
        target.ActorOf(Props.Create(() => new Echo()), "echo");
        relay.Start(port);
        var talker = Node("talker", Quiet);
        var echo = talker.ActorSelection(new RootActorPath(RemoteNode.AddressOf(target)) / "user" / "echo");
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal($"message {i}", await echo.Ask<string>($"message {i}", TimeSpan.FromSeconds(15)));
        }
        var seeds = relay.Frames();
        Assert.True(seeds.Count >= 4, $"recorded {seeds.Count} frames (relay {relay.Port}, bound {port}, address {RemoteNode.AddressOf(target)})");

        var rng = new Random(20261204);
        int sent = 0, connections = 0;
        while (sent < Frames)
        {
            connections++;
            sent += await Barrage(port, rng, seeds, Math.Min(50, Frames - sent));
        }

        Assert.False(target.WhenTerminated.IsCompleted, "the target shut down");
        var probe = Node("probe");
        var again = probe.ActorSelection(new RootActorPath(RemoteNode.AddressOf(target)) / "user" / "echo");
        Assert.Equal("still here?", await again.Ask<string>("still here?", TimeSpan.FromSeconds(15)));
        // Not asserted: the talker itself. The replayed association requests carry its address and
        // uid, so the target takes the fuzzer for the talker and, when garbage follows, stops
        // answering the real one (seen here: still cut off 40 s later). Plain TCP authenticates
        // nobody; mutual TLS (Security/RemoteTls) is what keeps a stranger from speaking for a node.
        Assert.True(connections > 1, "every frame went down one connection");
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Writes up to <paramref name="count"/> frames down one new connection until the node closes it; returns how many were written.</summary>
    private static async Task<int> Barrage(int port, Random rng, List<byte[]> seeds, int count)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        client.NoDelay = true;
        var stream = client.GetStream();
        int written = 0;
        try
        {
            // Often start with a real first frame (the association request), so mutations reach the
            // states after the handshake too.
            if (rng.Next(2) == 0)
            {
                await stream.WriteAsync(seeds[0]);
                written++;
            }
            while (written < count)
            {
                await stream.WriteAsync(NextFrame(rng, seeds));
                written++;
            }
        }
        catch (IOException)
        {
            // The node dropped the connection: what it should do with garbage.
        }
        return Math.Max(written, 1);
    }

    private static byte[] NextFrame(Random rng, List<byte[]> seeds)
    {
        switch (rng.Next(6))
        {
            case 0: // random bytes, framed with their true length
            {
                var body = new byte[rng.Next(0, 2048)];
                rng.NextBytes(body);
                return Framed(body);
            }
            case 1: // a length prefix that lies: huge, negative, or longer than what follows
            {
                var frame = new byte[4 + rng.Next(0, 64)];
                rng.NextBytes(frame);
                BinaryPrimitives.WriteInt32LittleEndian(frame, rng.Next(3) switch { 0 => int.MaxValue, 1 => -rng.Next(1, int.MaxValue), _ => rng.Next(64, 200_000) });
                return frame;
            }
            case 2: // unframed noise
            {
                var noise = new byte[rng.Next(1, 512)];
                rng.NextBytes(noise);
                return noise;
            }
            default: // a real frame with a few bytes flipped, cut short or grown
            {
                var frame = (byte[])seeds[rng.Next(seeds.Count)].Clone();
                int flips = rng.Next(1, 8);
                for (int i = 0; i < flips; i++)
                {
                    frame[4 + rng.Next(frame.Length - 4)] ^= (byte)(1 << rng.Next(8));
                }
                return rng.Next(4) switch
                {
                    0 => frame[..rng.Next(1, frame.Length)],
                    1 => [.. frame, .. Noise(rng, rng.Next(1, 32))],
                    _ => frame,
                };
            }
        }
    }

    private static byte[] Noise(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    private static byte[] Framed(byte[] body)
    {
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        return frame;
    }

    /// <summary>
    /// A TCP relay on a free loopback port to the target's port: forwards every connection both
    /// ways and keeps a copy of what goes to the target.
    /// </summary>
    private sealed class Relay : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<MemoryStream> _recorded = [];
        private readonly CancellationTokenSource _stop = new();

        public Relay() => _listener.Start();

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public void Start(int targetPort) => _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient inbound;
                try
                {
                    inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }
                var copy = new MemoryStream();
                lock (_recorded)
                {
                    _recorded.Add(copy);
                }
                _ = Task.Run(async () =>
                {
                    using (inbound)
                    using (var outbound = new TcpClient())
                    {
                        await outbound.ConnectAsync(IPAddress.Loopback, targetPort);
                        await Task.WhenAny(
                            Pump(inbound.GetStream(), outbound.GetStream(), chunk => { lock (copy) { copy.Write(chunk.Span); } }),
                            Pump(outbound.GetStream(), inbound.GetStream(), _ => { }));
                    }
                });
            }
        });

        /// <summary>The whole frames forwarded to the target so far, connection by connection.</summary>
        public List<byte[]> Frames()
        {
            lock (_recorded)
            {
                return [.. _recorded.SelectMany(c => { lock (c) { return Split(c.ToArray()); } })];
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }

    private static async Task Pump(NetworkStream from, NetworkStream to, Action<ReadOnlyMemory<byte>> copy)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer)) > 0)
            {
                copy(buffer.AsMemory(0, n));
                await to.WriteAsync(buffer.AsMemory(0, n));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // Either side closed: the relay's connection ends.
        }
    }

    /// <summary>Whole frames (prefix included) at the start of <paramref name="bytes"/>.</summary>
    private static List<byte[]> Split(byte[] bytes)
    {
        var frames = new List<byte[]>();
        int offset = 0;
        while (offset + 4 <= bytes.Length)
        {
            int length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset));
            if (length < 0 || offset + 4 + length > bytes.Length)
            {
                break;
            }
            frames.Add(bytes[offset..(offset + 4 + length)]);
            offset += 4 + length;
        }
        return frames;
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo() => Receive<string>(s => Sender.Tell(s));
    }
}
