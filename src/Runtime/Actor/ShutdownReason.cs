namespace HFedMoE.Runtime.Actor;

/// <summary>Why <see cref="CoordinatedShutdown"/> ran (available as <see cref="CoordinatedShutdown.Reason"/>).</summary>
public sealed record ShutdownReason(string Name)
{
    public static ShutdownReason Unknown { get; } = new("unknown");

    public static ShutdownReason ActorSystemTerminate { get; } = new("actor-system-terminate");

    public static ShutdownReason ClrExit { get; } = new("clr-exit");

    public static ShutdownReason ClusterDowning { get; } = new("cluster-downing");

    public static ShutdownReason ClusterLeaving { get; } = new("cluster-leaving");

    public static ShutdownReason ClusterJoinUnsuccessful { get; } = new("cluster-join-unsuccessful");

    public override string ToString() => Name;
}
