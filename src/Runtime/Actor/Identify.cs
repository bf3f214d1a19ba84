namespace HFedMoE.Runtime.Actor;

/// <summary>Every actor answers with <see cref="ActorIdentity"/> carrying the same <paramref name="MessageId"/>.</summary>
public sealed record Identify(object? MessageId) : IAutoReceivedMessage;
