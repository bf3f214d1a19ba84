namespace HFedMoE.Actors.Aggregation;

/// <summary>
/// Akka dispatchers configured in hocon/reference.conf (<c>hfedmoe.actor.dedicated-dispatcher</c>
/// and <c>hfedmoe.actor.round-dispatcher</c>): training and aggregation are CPU-heavy and must not
/// starve the ThreadPool the rest runs on.
/// </summary>
public static class WorkDispatcher
{
    /// <summary>Client training.</summary>
    public const string Id = "hfedmoe.actor.dedicated-dispatcher";

    /// <summary>
    /// The round manager and the aggregators (hocon: <c>hfedmoe.actor.round-dispatcher</c>): on
    /// a thread apart from training, updates are spooled, journaled and merged as they arrive
    /// rather than after every client has trained (which also kept every update in memory).
    /// </summary>
    public const string RoundsId = "hfedmoe.actor.round-dispatcher";
}
