namespace HFedMoE.Runtime.Actor;

/// <summary>
/// An ordinary message that stops the receiving actor when it is processed, so messages queued
/// before it are handled first.
/// </summary>
public sealed record PoisonPill : IAutoReceivedMessage
{
    public static PoisonPill Instance { get; } = new();
}
