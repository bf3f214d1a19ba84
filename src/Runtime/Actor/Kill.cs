namespace HFedMoE.Runtime.Actor;

/// <summary>
/// Makes the receiving actor fail with <see cref="ActorKilledException"/> when processed; the
/// default supervisor decision for that is Stop.
/// </summary>
public sealed record Kill : IAutoReceivedMessage
{
    public static Kill Instance { get; } = new();
}
