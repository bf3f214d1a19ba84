using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using HFedMoE.Actors.Cluster;
using HFedMoE.Actors.Configuration;
using HFedMoE.Actors.Rounds;
using HFedMoE.Actors.Security;
using HFedMoE.Host.Simulation;

namespace HFedMoE.Host.Cluster;

/// <summary>
/// A server node (<c>hfedmoe seed</c>): the run's base model and initial global model (the same
/// as <c>hfedmoe simulate</c> makes from the same settings), then an actor system with role
/// <c>server</c> that hosts the <see cref="RoundCoordinator"/> as a cluster singleton (it runs on
/// the oldest server node; the round manager inside it recovers from the journal in the data
/// folder whenever the singleton starts or moves), and a <see cref="MembershipLog"/>. With
/// <c>hfedmoe.security.join-secret</c> set, a client registers only with a proof of its join
/// token; without it client ids are trusted (each client's session still checks its updates).
/// Every server node of a run shares the data folder (journal and update spool), or the
/// PostgreSQL journal plus a shared folder for the spool. A seed restarted without <c>--join</c>
/// rejoins the members it last saw (<see cref="KnownMembers"/>) if their cluster still runs.
/// </summary>
internal static class SeedNode
{
    /// <summary>Runs the node until the run is complete (then it leaves the cluster) or it is stopped; returns the exit code.</summary>
    public static int Run(SimulationSettings settings, Config loaded, string? host, int? port, IReadOnlyList<NodeAddress> join, TextWriter output, TextWriter error)
    {
        var print = TextWriter.Synchronized(output);
        string dataDir = Path.GetFullPath(settings.DataDir);
        Directory.CreateDirectory(dataDir);
        string basePath;
        if (settings.BasePath is null)
        {
            basePath = Path.Combine(dataDir, Simulator.BaseFile);
            if (!File.Exists(basePath))
            {
                // A function of the settings: every server node of the run (and simulate) gets the same base.
                Simulator.Pretrain(settings, loaded, basePath, print.WriteLine, null, CancellationToken.None);
            }
        }
        else
        {
            basePath = Path.GetFullPath(settings.BasePath);
            settings = Simulator.WithCheckpointShape(settings, basePath, print.WriteLine);
        }
        var initial = Simulator.InitialModel(settings, basePath);

        string extra = string.Create(CultureInfo.InvariantCulture, $"akka.cluster.role.{ClusterRoles.Client}.min-nr-of-members = {settings.Clients}");
        IReadOnlyList<NodeAddress> known = [];
        var config = HfedmoeConfig.ActorSystemConfig(ClusterNodeConfig.Build(loaded, ClusterNodeConfig.SeedRole, host, port, join, extra,
            self => known = KnownMembersOf(dataDir, self)), dataDir);
        var rounds = RoundSettings.FromConfig(config);
        var setup = new CoordinatorSetup(
            settings.Strategy, settings.StrategyOptions(), initial, rounds, UpdateSpool.InDirectory(Path.Combine(dataDir, "spool")),
            settings.Rounds, settings.Clients, Tokens: SecuritySettings.FromConfig(config).Tokens());

        using var lifetime = NodeLifetime.Start(config, print.WriteLine);
        var system = lifetime.System;
        var self = Akka.Cluster.Cluster.Get(system).SelfAddress;
        print.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"seed: server node {self}; {settings.Strategy}, {settings.Rounds} rounds once {settings.Clients} clients have joined; data {dataDir}{(join.Count > 0 ? $"; joining through {string.Join(", ", join)}" : known.Count > 0 ? $"; rejoining the members it last saw ({string.Join(", ", known)}) if their cluster still runs" : "")}"));
        system.ActorOf(MembershipLog.Props(print.WriteLine), "membership-log");
        system.ActorOf(KnownMembers.Props(dataDir), "known-members");
        var singleton = ClusterSingletonManager.Props(
            RoundCoordinator.Props(setup, print.WriteLine, _ => lifetime.Finish()),
            PoisonPill.Instance,
            ClusterSingletonManagerSettings.Create(system));
        system.ActorOf(singleton, ClusterRoles.CoordinatorManagerName);
        return lifetime.WaitForExit("seed", error);
    }

    /// <summary>
    /// The members listed in the data folder's <see cref="KnownMembers.FileName"/>, without
    /// <paramref name="self"/>; none when there is no file. Lines that are not host:port are skipped.
    /// </summary>
    internal static IReadOnlyList<NodeAddress> KnownMembersOf(string dataDir, NodeAddress self)
    {
        string file = Path.Combine(dataDir, KnownMembers.FileName);
        return !File.Exists(file)
            ? []
            : [.. File.ReadAllLines(file).Select(line => NodeAddress.TryParse(line.Trim(), out _)).OfType<NodeAddress>().Where(a => a != self)];
    }
}
