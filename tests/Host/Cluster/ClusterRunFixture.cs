using System.Net;
using System.Net.Sockets;
using HFedMoE.Host.Tests.Simulation;

namespace HFedMoE.Host.Tests.Cluster;

/// <summary>
/// What the cluster process tests compare against: one tiny <c>hfedmoe simulate</c> run (3
/// clients, 3 rounds) in this process, its base checkpoint (the seed nodes start from it, so
/// nobody pre-trains again) and every round's model digest, computed in this test run on this
/// machine. Also the arguments that make the seed and client processes the same run.
/// </summary>
public sealed class ClusterRunFixture : IDisposable
{
    public const int Rounds = 3;

    public ClusterRunFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "hfedmoe-cluster-" + Guid.NewGuid().ToString("N"));
        string dir = Path.Combine(Root, "simulate");
        var (code, output, error) = TinySimulation.Run(["simulate", .. RunArgs, .. DataArgs, "--pretrain-steps", "5", "--progress", "plain", "--data-dir", dir]);
        if (code != 0)
        {
            throw new InvalidOperationException($"the reference simulate run failed ({code}): {error}\n{output}");
        }
        BasePath = Path.Combine(dir, "base.safetensors");
        Digests = [.. File.ReadAllLines(Path.Combine(dir, "rounds.csv")).Skip(1).Select(l => l.Split(',')[7])];
        // The tests' own tolerance, not the defaults': the split-brain resolver decides after 4 s of
        // stability instead of 20 s (what the tests wait for is the decision, not its timing), and a
        // node starved of CPU by four JIT-compiling processes on two cores is not taken for dead.
        ConfigPath = Path.Combine(Root, "cluster-test.conf");
        File.WriteAllText(ConfigPath, """
            akka.cluster.split-brain-resolver.stable-after = 4s
            akka.cluster.failure-detector.acceptable-heartbeat-pause = 6s
            """);
    }

    /// <summary>The run's rounds and local training: the seed's (and simulate's).</summary>
    public static readonly string[] RunArgs = ["--rounds", "3", "--local-steps", "3"];

    /// <summary>The data and model: the same on the seed and every client (and simulate).</summary>
    public static readonly string[] DataArgs = ["--clients", "3", "--samples-per-client", "24", "--public-size", "64", "--d-model", "16", "--experts", "4", "--hidden", "16"];

    public string Root { get; }

    public string BasePath { get; }

    public string ConfigPath { get; }

    /// <summary>simulate's model digest after each round.</summary>
    public IReadOnlyList<string> Digests { get; }

    public string[] SeedArgs(string dataDir, int port, params string[] more) =>
        ["seed", .. RunArgs, .. DataArgs, "--base", BasePath, "--config", ConfigPath, "--data-dir", dataDir, "--port", Port(port), .. more];

    public string[] ClientArgs(int client, int port, params int[] seedPorts) =>
        ["client", .. DataArgs, "--base", BasePath, "--config", ConfigPath, "--client-id", $"client-{client}", "--port", Port(port),
         .. seedPorts.SelectMany(p => new[] { "--seed", $"127.0.0.1:{Port(p)}" })];

    /// <summary>Ports the OS says are free now (all distinct), for nodes that must be found at a known address.</summary>
    public static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }

    private static string Port(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
