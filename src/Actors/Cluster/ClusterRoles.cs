namespace HFedMoE.Actors.Cluster;

/// <summary>The cluster roles of a federation and the actor names other nodes look up.</summary>
public static class ClusterRoles
{
    /// <summary>Nodes that host the round coordinator singleton (and its round manager).</summary>
    public const string Server = "server";

    /// <summary>Nodes that host one federated client with its data shard and budget.</summary>
    public const string Client = "client";

    /// <summary>The actor system's name on every node (it is part of every address).</summary>
    public const string SystemName = "hfedmoe";

    /// <summary>The name under /user of a client node's <see cref="ClientGateway"/>.</summary>
    public const string GatewayName = "client-gateway";

    /// <summary>The name under /user of the singleton manager of the <see cref="RoundCoordinator"/>.</summary>
    public const string CoordinatorManagerName = "rounds";
}
