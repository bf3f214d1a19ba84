using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using HFedMoE.Actors.Configuration;
using HFedMoE.Actors.Security;
using HFedMoE.Actors.Tests.Transport;

namespace HFedMoE.Actors.Tests.Security;

/// <summary>
/// Mutual TLS between actor systems on loopback with the certificates of
/// <see cref="FederationCertificates"/>: a node of the federation reaches the server; a node with a
/// certificate from another CA, or with no TLS at all, gets nothing through.
/// </summary>
public sealed class MutualTlsTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Password = "test-password";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hfedmoe-tls-" + Guid.NewGuid().ToString("N"));
    private readonly List<ActorSystem> _systems = [];

    private string Federation => Path.Combine(_dir, "federation");

    private string Rogue => Path.Combine(_dir, "rogue");

    public MutualTlsTests()
    {
        FederationCertificates.Write(Federation, ["a"], Password, [], TimeSpan.FromDays(1));
        FederationCertificates.Write(Rogue, ["a"], Password, [], TimeSpan.FromDays(1));
    }

    protected override void AfterAll()
    {
        foreach (var s in _systems)
        {
            s.Terminate().Wait(TimeSpan.FromSeconds(20));
        }
        base.AfterAll();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A node with <paramref name="certificate"/> (null: no TLS), trusting <paramref name="ca"/>.</summary>
    private ActorSystem Node(string name, string? certificate, string? ca = null)
    {
        string tls = certificate is null ? "" : $$"""
            hfedmoe.security {
              tls = on
              certificate = "{{certificate}}"
              certificate-password = "{{Password}}"
              ca = "{{ca}}"
            }
            """;
        var config = HfedmoeConfig.ActorSystemConfig(
            ConfigurationFactory.ParseString($"{tls}\n{RemoteNode.Hocon}\n{FederationTestKit.InMemoryPersistence}"), Path.Combine(_dir, name));
        var system = ActorSystem.Create(name, RemoteTls.Setup(config));
        _systems.Add(system);
        return system;
    }

    private ActorSystem Server() => Node("server", Path.Combine(Federation, "server.pfx"), Path.Combine(Federation, FederationCertificates.CaFile));

    /// <summary>An actor on <paramref name="server"/> that forwards what it receives to a probe, and the probe.</summary>
    private (ActorSelection Echo, Akka.TestKit.TestProbe Received) Listener(ActorSystem server, ActorSystem from)
    {
        var received = CreateTestProbe(server);
        server.ActorOf(Props.Create(() => new Forwarder(received.Ref)), "listener");
        var address = RemoteNode.AddressOf(server);
        return (from.ActorSelection(new RootActorPath(address) / "user" / "listener"), received);
    }

    [Fact]
    public void A_federation_node_reaches_the_server_over_akka_ssl_tcp()
    {
        var server = Server();
        var client = Node("client", Path.Combine(Federation, "a.pfx"), Path.Combine(Federation, FederationCertificates.CaFile));
        var (listener, received) = Listener(server, client);

        listener.Tell("hello");

        Assert.Equal("akka.ssl.tcp", RemoteNode.AddressOf(server).Protocol);
        received.ExpectMsg("hello", TimeSpan.FromSeconds(15));
    }

    [Fact]
    public void A_node_whose_certificate_is_from_another_ca_gets_nothing_through()
    {
        var server = Server();
        var refusals = CreateTestProbe(server);
        server.EventStream.Subscribe(refusals.Ref, typeof(Warning));
        var rogue = Node("rogue", Path.Combine(Rogue, "a.pfx"), Path.Combine(Rogue, FederationCertificates.CaFile));
        var (listener, received) = Listener(server, rogue);

        listener.Tell("let me in");

        // The server's validator refuses the rogue's certificate and says why.
        refusals.FishForMessage(m => m is Warning w && w.Message.ToString()!.Contains("does not chain to the federation's CA", StringComparison.Ordinal), TimeSpan.FromSeconds(15));
        received.ExpectNoMsg(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void A_node_without_tls_gets_nothing_through()
    {
        var server = Server();
        var plain = Node("plain", certificate: null);
        var address = RemoteNode.AddressOf(server);
        var received = CreateTestProbe(server);
        server.ActorOf(Props.Create(() => new Forwarder(received.Ref)), "listener");
        // The plain node dials the TLS port with its own scheme.
        var listener = plain.ActorSelection($"akka.tcp://server@{address.Host}:{address.Port}/user/listener");

        listener.Tell("let me in");

        received.ExpectNoMsg(TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void A_wrong_password_is_an_error_naming_the_key()
    {
        var config = ConfigurationFactory.ParseString($$"""
            hfedmoe.security {
              tls = on
              certificate = "{{Path.Combine(Federation, "a.pfx")}}"
              certificate-password = "not it"
              ca = "{{Path.Combine(Federation, FederationCertificates.CaFile)}}"
            }
            """).WithFallback(HfedmoeConfig.Reference);

        var e = Assert.Throws<ConfigurationException>(() => RemoteTls.Setup(config));

        Assert.Contains("hfedmoe.security.certificate = ", e.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be read with hfedmoe.security.certificate-password", e.Message, StringComparison.Ordinal);
    }

    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef to) => ReceiveAny(m => to.Forward(m));
    }
}
