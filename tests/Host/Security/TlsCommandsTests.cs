using Akka.Actor;
using Akka.Configuration;
using HFedMoE.Actors.Configuration;
using HFedMoE.Actors.Security;
using HFedMoE.Host.Tests.Simulation;

namespace HFedMoE.Host.Tests.Security;

/// <summary>
/// <c>hfedmoe certs</c> and <c>hfedmoe tls-check</c> as real processes against a TLS server node in
/// this process: the certificates and HOCON files certs writes are accepted by the TLS
/// configuration, and a node whose handshake fails says why and exits 1, not with Akka's 79.
/// </summary>
public sealed class TlsCommandsTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hfedmoe-certs-" + Guid.NewGuid().ToString("N"));
    private ActorSystem? _server;

    public void Dispose()
    {
        _server?.Terminate().Wait(TimeSpan.FromSeconds(20));
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static async Task<(int Code, HfedmoeProcess Process)> Run(params string[] args)
    {
        var process = HfedmoeProcess.Start(args);
        return (await process.WaitForExitAsync(Patience), process);
    }

    private async Task<string> Certs(string name, string clients)
    {
        string dir = Path.Combine(_dir, name);
        var (code, p) = await Run("certs", "--out", dir, "--clients", clients);
        using (p)
        {
            Assert.True(code == 0, p.Stderr);
        }
        return dir;
    }

    /// <summary>A server node started from the server.conf that certs wrote, on a free loopback port.</summary>
    private Address Serve(string dir)
    {
        var config = ConfigurationFactory.ParseString("""
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0, tcp-reuse-addr = off }
            akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
            akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
            """).WithFallback(HfedmoeConfig.Load(Path.Combine(dir, "server.conf")));
        _server = ActorSystem.Create("hfedmoe", RemoteTls.Setup(HfedmoeConfig.ActorSystemConfig(config, Path.Combine(_dir, "server-data"))));
        return ((ExtendedActorSystem)_server).Provider.DefaultAddress;
    }

    [Fact]
    public async Task Certs_writes_what_the_tls_configuration_accepts_and_a_client_completes_the_handshake()
    {
        string dir = await Certs("federation", "a,b");
        foreach (string file in new[] { "ca.crt", "server.pfx", "a.pfx", "b.pfx", "join-secret", "server.conf", "a.conf", "b.conf" })
        {
            Assert.True(File.Exists(Path.Combine(dir, file)), $"certs did not write {file}");
        }
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "a.conf")));
        }
        var address = Serve(dir);

        var (code, check) = await Run("tls-check", "--peer", address.ToString(), "--config", Path.Combine(dir, "a.conf"));

        using (check)
        {
            Assert.True(code == 0, check.Stderr);
            Assert.Contains($"tls-check: mutual TLS with {address} works", check.Stdout, StringComparison.Ordinal);
        }
        // The token in a.conf proves a's id to the server's secret.
        var tokens = JoinTokens.FromFile(Path.Combine(dir, "join-secret"));
        var client = HfedmoeConfig.Load(Path.Combine(dir, "a.conf"));
        Assert.True(tokens.Verify("a", client.GetString("hfedmoe.security.join-token")));
        Assert.False(tokens.Verify("b", client.GetString("hfedmoe.security.join-token")));
    }

    [Fact]
    public async Task A_node_whose_handshake_fails_says_why_and_exits_1_not_79()
    {
        var address = Serve(await Certs("federation", "a"));
        string rogue = await Certs("rogue", "a");

        var (code, check) = await Run("tls-check", "--peer", address.ToString(), "--config", Path.Combine(rogue, "a.conf"), "--timeout", "30");

        using (check)
        {
            Assert.True(code == 1, $"exit code {code}; stderr:\n{check.Stderr}");
            Assert.Contains($"tls-check: cannot connect to {address}: TLS handshake failed", check.Stderr, StringComparison.Ordinal);
            Assert.Contains("certificate CN=server does not chain to the federation's CA", check.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Certs_refuses_a_client_named_server_by_name()
    {
        var (code, p) = await Run("certs", "--out", Path.Combine(_dir, "x"), "--clients", "a,server");

        using (p)
        {
            Assert.Equal(2, code);
            Assert.Contains("certs: client id 'server' is the server's certificate; choose another", p.Stderr, StringComparison.Ordinal);
        }
    }
}
