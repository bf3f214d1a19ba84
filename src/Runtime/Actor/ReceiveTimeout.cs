namespace HFedMoE.Runtime.Actor;

/// <summary>Sent to an actor after <see cref="IActorContext.SetReceiveTimeout"/>'s period of inactivity.</summary>
public sealed record ReceiveTimeout : INotInfluenceReceiveTimeout
{
    public static ReceiveTimeout Instance { get; } = new();
}
