using Akka.Actor;
using Akka.Configuration;
using HFedMoE.Actors.Configuration;

namespace HFedMoE.Actors.Tests.Transport;

/// <summary>
/// Remoting over loopback for tests: a free port from the OS (port 0), and
/// <c>tcp-reuse-addr = off</c> (on Linux Akka's default lets two systems bind one port silently).
/// </summary>
internal static class RemoteNode
{
    public const string Hocon = """
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp {
          hostname = "127.0.0.1"
          port = 0
          tcp-reuse-addr = off
        }
        """;

    /// <summary>A system on loopback with the production configuration, <paramref name="extra"/> over everything.</summary>
    public static ActorSystem Start(string name, string extra = "")
    {
        var config = ConfigurationFactory.ParseString($"{Hocon}\n{FederationTestKit.InMemoryPersistence}\n{extra}");
        string dir = Path.Combine(Path.GetTempPath(), "hfedmoe-node-" + Guid.NewGuid().ToString("N"));
        return ActorSystem.Create(name, HfedmoeConfig.ActorSystemConfig(config, dir));
    }

    public static Address AddressOf(ActorSystem system) => ((ExtendedActorSystem)system).Provider.DefaultAddress;

    /// <summary><paramref name="from"/>'s reference to the actor at <paramref name="path"/> (under /user) of <paramref name="on"/>.</summary>
    public static IActorRef Resolve(ActorSystem from, ActorSystem on, string path) =>
        from.ActorSelection(new RootActorPath(AddressOf(on)) / "user" / path).ResolveOne(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
}
