using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Configuration;
using HFedMoE.Actors.Cluster;
using HFedMoE.Actors.Security;

namespace HFedMoE.Host.Cluster;

/// <summary>
/// How a cluster node process starts and ends. <see cref="Start"/> creates the node's actor system
/// with its transport security (<see cref="RemoteTls"/>: mutual TLS when hfedmoe.security.tls is
/// on) and a <see cref="TlsHandshakeWatch"/>, and only then joins the seed nodes, so the watch
/// sees every handshake complaint. Ctrl-C (SIGINT) or SIGTERM runs Akka's CoordinatedShutdown,
/// which leaves the cluster gracefully (the others see the node leave, not fail) and terminates
/// the actor system; <see cref="WaitForExit"/> then maps the shutdown's reason to the exit code
/// and a line saying why.
/// </summary>
internal sealed class NodeLifetime : IDisposable
{
    private readonly ActorSystem _system;
    private readonly TlsHandshakeWatch _tls;
    private readonly List<PosixSignalRegistration> _signals = [];
    private int _signalled;

    private NodeLifetime(ActorSystem system, TlsHandshakeWatch tls, Action<string> print)
    {
        _system = system;
        _tls = tls;
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            _signals.Add(PosixSignalRegistration.Create(signal, context =>
            {
                // Not the runtime's default (terminate at once): leave the cluster first.
                context.Cancel = true;
                if (Interlocked.Exchange(ref _signalled, 1) == 0)
                {
                    print($"{(context.Signal == PosixSignal.SIGINT ? "interrupted" : "terminated")}: leaving the cluster");
                    _ = CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
                }
            }));
        }
    }

    /// <summary>
    /// Starts a node from its <paramref name="config"/> (ClusterNodeConfig) and joins its
    /// <c>akka.cluster.seed-nodes</c> once the TLS watch listens (from the configuration Akka
    /// would join them while the system is still being created, before anyone can listen).
    /// </summary>
    /// <exception cref="ConfigurationException">A certificate or CA file that is missing or unreadable (RemoteTls).</exception>
    public static NodeLifetime Start(Config config, Action<string> print)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(print);
        var seeds = config.GetStringList("akka.cluster.seed-nodes").Select(Address.Parse).ToList();
        var setup = RemoteTls.Setup(ConfigurationFactory.ParseString("akka.cluster.seed-nodes = []").WithFallback(config));
        var system = ActorSystem.Create(ClusterRoles.SystemName, setup);
        var lifetime = new NodeLifetime(system, TlsHandshakeWatch.Start(system), print);
        Akka.Cluster.Cluster.Get(system).JoinSeedNodes(seeds);
        return lifetime;
    }

    public ActorSystem System => _system;

    /// <summary>Leaves the cluster and stops this node (its work is done).</summary>
    public void Finish() => _ = CoordinatedShutdown.Get(_system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);

    /// <summary>Blocks until the actor system has terminated; 0 when the node was asked to stop or finished, 1 otherwise (with the reason on <paramref name="error"/>).</summary>
    public int WaitForExit(string command, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
        _system.WhenTerminated.Wait();
        if (_tls.Failure is { } handshake)
        {
            error.WriteLine($"hfedmoe {command}: cannot connect: {handshake}");
            return 1;
        }
        var reason = CoordinatedShutdown.Get(_system).ShutdownReason;
        switch (reason)
        {
            case CoordinatedShutdown.ClrExitReason or CoordinatedShutdown.ClusterLeavingReason:
                return 0;
            case CoordinatedShutdown.ClusterDowningReason:
                error.WriteLine($"hfedmoe {command}: this node was downed by the cluster (it was unreachable and the split-brain resolver removed it, or a newer process took its address); start it again to rejoin");
                return 1;
            case CoordinatedShutdown.ClusterJoinUnsuccessfulReason:
                error.WriteLine($"hfedmoe {command}: could not join the cluster through its seed nodes in time (akka.cluster.shutdown-after-unsuccessful-join-seed-nodes); is the seed running at that address?");
                return 1;
            default:
                error.WriteLine($"hfedmoe {command}: the node stopped ({reason?.GetType().Name ?? "actor system terminated"})");
                return 1;
        }
    }

    public void Dispose()
    {
        foreach (var s in _signals)
        {
            s.Dispose();
        }
        _system.Dispose();
    }
}
