namespace HFedMoE.Runtime.Actor;

/// <summary>The reply to <see cref="Identify"/>; <paramref name="Subject"/> is null when no actor was found.</summary>
public sealed record ActorIdentity(object? MessageId, IActorRef? Subject);
