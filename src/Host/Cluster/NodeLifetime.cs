using System.Runtime.InteropServices;
using Akka.Actor;

namespace HFedMoE.Host.Cluster;

/// <summary>
/// How a cluster node process ends: Ctrl-C (SIGINT) or SIGTERM runs Akka's CoordinatedShutdown,
/// which leaves the cluster gracefully (the others see the node leave, not fail) and terminates
/// the actor system; <see cref="WaitForExit"/> then maps the shutdown's reason to the exit code
/// and a line saying why.
/// </summary>
internal sealed class NodeLifetime : IDisposable
{
    private readonly ActorSystem _system;
    private readonly List<PosixSignalRegistration> _signals = [];
    private int _signalled;

    public NodeLifetime(ActorSystem system, Action<string> print)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(print);
        _system = system;
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

    /// <summary>Leaves the cluster and stops this node (its work is done).</summary>
    public void Finish() => _ = CoordinatedShutdown.Get(_system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);

    /// <summary>Blocks until the actor system has terminated; 0 when the node was asked to stop or finished, 1 otherwise (with the reason on <paramref name="error"/>).</summary>
    public int WaitForExit(string command, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
        _system.WhenTerminated.Wait();
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
    }
}
