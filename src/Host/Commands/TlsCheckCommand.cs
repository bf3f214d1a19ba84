using System.CommandLine;
using Akka.Actor;
using Akka.Configuration;
using HFedMoE.Actors.Configuration;
using HFedMoE.Actors.Security;

namespace HFedMoE.Host.Commands;

/// <summary>
/// <c>hfedmoe tls-check --peer akka.ssl.tcp://sys@host:port --config node.conf</c>: starts a node
/// with this configuration's transport security, reaches the peer, and says whether mutual TLS
/// worked; when the handshake fails it prints why (which certificate, what is wrong) and exits 1,
/// instead of Akka's bare shutdown with exit code 79.
/// </summary>
internal static class TlsCheckCommand
{
    public static Command Build(CliContext context)
    {
        var peer = new Option<string>("--peer") { Description = "the peer node's address, e.g. akka.ssl.tcp://hfedmoe@127.0.0.1:4053", Required = true };
        var config = CliOptions.Path("--config", null, "HOCON file with this node's hfedmoe.security section (hfedmoe certs writes one per node)");
        var timeout = CliOptions.Int("--timeout", 15, 1, "seconds to wait for the peer", 600);
        var command = new Command("tls-check", "check that this node and a peer complete mutual TLS") { peer, config, timeout };
        command.SetAction(parse =>
        {
            string target = parse.GetValue(peer)!;
            Address address;
            try
            {
                address = Address.Parse(target);
            }
            catch (Exception e) when (e is UriFormatException or ArgumentException)
            {
                context.Error.WriteLine($"tls-check: --peer '{target}' is not an Akka address such as akka.ssl.tcp://hfedmoe@127.0.0.1:4053 ({e.Message})");
                return HfedmoeCli.UsageError;
            }
            Akka.Actor.Setup.ActorSystemSetup setup;
            try
            {
                var loaded = HfedmoeConfig.Load(parse.GetValue(config));
                var node = ConfigurationFactory.ParseString("""
                    akka.actor.provider = remote
                    akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0, tcp-reuse-addr = off }
                    akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
                    akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
                    """).WithFallback(loaded);
                setup = RemoteTls.Setup(HfedmoeConfig.ActorSystemConfig(node, Path.GetTempPath()));
            }
            catch (ConfigurationException e)
            {
                context.Error.WriteLine($"tls-check: {e.Message}");
                return HfedmoeCli.UsageError;
            }
            return Check(context, setup, address, TimeSpan.FromSeconds(parse.GetValue(timeout)));
        });
        return command;
    }

    private static int Check(CliContext context, Akka.Actor.Setup.ActorSystemSetup setup, Address address, TimeSpan timeout)
    {
        using var system = ActorSystem.Create("tls-check", setup);
        var watch = TlsHandshakeWatch.Start(system);
        var identify = system.ActorSelection(new RootActorPath(address) / "system").Ask<ActorIdentity>(new Identify("tls-check"), timeout);
        Task.WaitAny([identify, system.WhenTerminated], timeout + TimeSpan.FromSeconds(1));
        string? failure = watch.Failure;
        if (failure is null && identify.IsCompletedSuccessfully)
        {
            context.Out.WriteLine($"tls-check: mutual TLS with {address} works");
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
            return HfedmoeCli.Success;
        }
        system.Terminate().Wait(TimeSpan.FromSeconds(10));
        context.Error.WriteLine(failure is null
            ? $"tls-check: no answer from {address} within {timeout.TotalSeconds:0} s (is it running, and on this scheme and port?)"
            : $"tls-check: cannot connect to {address}: {failure}");
        return HfedmoeCli.Failure;
    }
}
