using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using HFedMoE.Actors.Clients;
using HFedMoE.Actors.Cluster;
using HFedMoE.Actors.Configuration;
using HFedMoE.Actors.Security;
using HFedMoE.Host.Simulation;
using HFedMoE.Model.Data;
using HFedMoE.Model.Federated;

namespace HFedMoE.Host.Cluster;

/// <summary>What a client node hosts: its id, which benchmark shard is its data, its budget, and (for tests) a round in which it hangs.</summary>
internal sealed record ClientNodeSetup(string ClientId, int Shard, double Budget, int? StallRound = null);

/// <summary>
/// A client node (<c>hfedmoe client</c>): one federated <see cref="Client"/> with its data shard
/// (shard k of the benchmark partition the run's settings generate, the data <c>simulate</c>'s
/// client k gets) and its budget tier, and the <see cref="ClientGateway"/> through which the round
/// coordinator finds it when the node comes up. It trains whatever plans the coordinator sends
/// until it is stopped.
/// </summary>
internal static class ClientNode
{
    public static int Run(SimulationSettings settings, Config loaded, ClientNodeSetup node, string? host, int? port, IReadOnlyList<NodeAddress> seeds, TextWriter output, TextWriter error)
    {
        var print = TextWriter.Synchronized(output);
        if (settings.BasePath is not null)
        {
            settings = Simulator.WithCheckpointShape(settings, Path.GetFullPath(settings.BasePath), print.WriteLine);
        }
        var partition = BenchmarkSplits.Generate(settings.Corpus, settings.Partition, (ulong)settings.Seed).Clients[node.Shard];
        var data = new Dataset(partition.Samples);
        var profile = new ClientProfile(node.ClientId, data.Count, null, SimulationSettings.TierName(node.Budget));
        // The same engine, device and threads as simulate (hfedmoe.model), so the cluster ends on simulate's model.
        using var trainers = TrainerPool.For(settings.Model, Simulator.TrainerOptions(settings, loaded, print.WriteLine), size: 1);

        var config = HfedmoeConfig.WithReference(ClusterNodeConfig.Build(loaded, ClusterNodeConfig.ClientRole, host, port, seeds));
        using var lifetime = NodeLifetime.Start(config, print.WriteLine);
        var system = lifetime.System;
        print.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"client {node.ClientId}: node {Akka.Cluster.Cluster.Get(system).SelfAddress}; shard {node.Shard} ({data.Count} samples), budget {node.Budget} ({profile.Tier}); joining through {string.Join(", ", seeds)}"));
        Action<string> report = node.StallRound is int stall
            ? line =>
            {
                print.WriteLine(line);
                if (line.StartsWith(string.Create(CultureInfo.InvariantCulture, $"round {stall}: plan received"), StringComparison.Ordinal))
                {
                    // Fault injection (hidden --stall-round): a client that hangs mid-round and never answers.
                    print.WriteLine($"round {stall}: stalling (--stall-round)");
                    Thread.Sleep(Timeout.Infinite);
                }
            }
            : print.WriteLine;
        var client = system.ActorOf(Client.Props(profile, data, trainers, report: report), "client");
        // The gateway proves the client's id with its join token (hfedmoe.security.join-token) without sending it.
        string token = SecuritySettings.FromConfig(config).JoinToken;
        system.ActorOf(ClientGateway.Props(profile, client, token, print.WriteLine), ClusterRoles.GatewayName);
        system.ActorOf(MembershipLog.Props(print.WriteLine), "membership-log");
        return lifetime.WaitForExit("client", error);
    }
}
