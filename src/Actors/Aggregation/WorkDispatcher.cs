namespace HFedMoE.Actors.Aggregation;

/// <summary>
/// The kernel's dedicated-thread dispatcher (hocon: <c>hfedmoe.actor.dedicated-dispatcher</c>):
/// training and aggregation are CPU-heavy and must not starve the ThreadPool the rest runs on.
/// </summary>
public static class WorkDispatcher
{
    public const string Id = "hfedmoe.actor.dedicated-dispatcher";
}
