using HFedMoE.Host.Tests.Simulation;
using Xunit.Abstractions;

namespace HFedMoE.Host.Tests.Cluster;

/// <summary>
/// <c>hfedmoe seed</c> and <c>hfedmoe client</c> with mutual TLS from the files <c>hfedmoe certs</c>
/// writes, as real processes on loopback at free ports: a client of another CA says why its
/// handshake failed and exits 1 (not Akka's bare 79) while the seed stays up; a node with the
/// federation's certificate but another federation's join token for the same id is refused by the
/// round coordinator (both nodes say why) and never registered; and the federation's own client
/// then completes a one-round run over <c>akka.ssl.tcp</c>. Waits are on printed lines.
/// </summary>
[Trait("Category", "Process")]
public sealed class ClusterTlsProcessTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    /// <summary>A tiny one-client run, the same data and model on the seed and the client.</summary>
    private static readonly string[] DataArgs = ["--clients", "1", "--samples-per-client", "24", "--public-size", "64", "--d-model", "16", "--experts", "4", "--hidden", "16"];

    private readonly NodeProcesses _processes = new(output);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hfedmoe-cluster-tls-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task A_client_of_another_ca_is_refused_with_the_reason_and_the_federations_client_completes_a_round_over_tls()
    {
        string ours = await Certs("ours");
        string theirs = await Certs("theirs");
        int[] ports = ClusterRunFixture.FreePorts(4);
        string seedAt = $"127.0.0.1:{ports[0]}";

        var seed = Start(["seed", "--rounds", "1", "--local-steps", "3", .. DataArgs, "--pretrain-steps", "5",
            "--config", Path.Combine(ours, "server.conf"), "--data-dir", Path.Combine(_dir, "run"), "--port", $"{ports[0]}"]);
        await seed.WaitForLineAsync(l => l.StartsWith($"seed: server node akka.ssl.tcp://hfedmoe@{seedAt};", StringComparison.Ordinal), Patience);

        // Its certificate is from another CA, and so is the CA it trusts: it refuses the seed's certificate.
        var stranger = Start(Client(Path.Combine(theirs, "client-0.conf"), ports[1], seedAt));
        int code = await stranger.WaitForExitAsync(Patience);
        Assert.True(code == 1, $"exit code {code}; stderr:\n{stranger.Stderr}");
        Assert.Contains("hfedmoe client: cannot connect: TLS handshake failed", stranger.Stderr, StringComparison.Ordinal);
        Assert.Contains("certificate CN=server does not chain to the federation's CA", stranger.Stderr, StringComparison.Ordinal);

        // Our certificate, their token for the same id: TLS lets it in, the coordinator does not.
        string impostorConf = Path.Combine(_dir, "impostor.conf");
        await File.WriteAllTextAsync(impostorConf, WithTokenOf(await File.ReadAllTextAsync(Path.Combine(ours, "client-0.conf")), await File.ReadAllTextAsync(Path.Combine(theirs, "client-0.conf"))));
        var impostor = Start(Client(impostorConf, ports[3], seedAt));
        // The coordinator starts once a client member has joined (akka.cluster.role.client.min-nr-of-members).
        Assert.Equal("clients join with a proof of their join token (hfedmoe.security.join-secret)", await seed.WaitForLineAsync(l => l.StartsWith("clients join", StringComparison.Ordinal), Patience));
        Assert.StartsWith("client client-0: refused by the round coordinator on akka.ssl.tcp://",
            await impostor.WaitForLineAsync(l => l.StartsWith("client client-0: refused", StringComparison.Ordinal), Patience), StringComparison.Ordinal);
        Assert.Equal($"client client-0 from akka.ssl.tcp://hfedmoe@127.0.0.1:{ports[3]} refused: its join proof is not that of client id 'client-0' (a token of another id or another federation)",
            await seed.WaitForLineAsync(l => l.StartsWith("client client-0 from", StringComparison.Ordinal), Patience));

        var client = Start(Client(Path.Combine(ours, "client-0.conf"), ports[2], seedAt));
        await client.WaitForLineAsync(l => l.StartsWith("round 0: update accepted", StringComparison.Ordinal), Patience);
        Assert.StartsWith("round 0 committed: model ", await seed.WaitForLineAsync(l => l.StartsWith("round 0 committed", StringComparison.Ordinal), Patience), StringComparison.Ordinal);
        Assert.StartsWith("run complete: 1 round", await seed.WaitForLineAsync(l => l.StartsWith("run complete", StringComparison.Ordinal), Patience), StringComparison.Ordinal);
        Assert.Equal(0, await seed.WaitForExitAsync(Patience));
        Assert.Contains($"member up: akka.ssl.tcp://hfedmoe@127.0.0.1:{ports[2]} [client]", seed.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain($"127.0.0.1:{ports[1]} [client]", seed.Stdout, StringComparison.Ordinal);
        Assert.Contains($"client client-0 registered from akka.ssl.tcp://hfedmoe@127.0.0.1:{ports[2]} (1 clients)", seed.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain($"registered from akka.ssl.tcp://hfedmoe@127.0.0.1:{ports[3]}", seed.Stdout, StringComparison.Ordinal);
        impostor.Terminate();
        await impostor.WaitForExitAsync(Patience);

        await client.WaitForLineAsync(l => l == $"member exited: akka.ssl.tcp://hfedmoe@{seedAt} [server]", Patience);
        client.Terminate();
        Assert.True(await client.WaitForExitAsync(Patience) == 0, client.Stderr);
    }

    /// <summary><paramref name="conf"/> with the join-token line of <paramref name="other"/> (both from hfedmoe certs).</summary>
    private static string WithTokenOf(string conf, string other)
    {
        static string TokenLine(string text) => text.Split('\n').Single(l => l.TrimStart().StartsWith("join-token", StringComparison.Ordinal));
        return conf.Replace(TokenLine(conf), TokenLine(other), StringComparison.Ordinal);
    }

    private static string[] Client(string config, int port, string seed) =>
        ["client", .. DataArgs, "--config", config, "--client-id", "client-0", "--port", $"{port}", "--seed", seed];

    private async Task<string> Certs(string name)
    {
        string dir = Path.Combine(_dir, name);
        var certs = Start(["certs", "--out", dir, "--clients", "client-0"]);
        Assert.True(await certs.WaitForExitAsync(Patience) == 0, certs.Stderr);
        return dir;
    }

    private HfedmoeProcess Start(string[] args) => _processes.Start(args);

    public void Dispose()
    {
        _processes.Dispose();
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
