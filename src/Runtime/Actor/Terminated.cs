namespace HFedMoE.Runtime.Actor;

/// <summary>
/// Delivered to a watcher when a watched actor has stopped. <paramref name="ExistenceConfirmed"/>
/// is false when the actor was already gone when watched; <paramref name="AddressTerminated"/> is
/// true when the notice comes from losing the node rather than a graceful stop.
/// An actor that does not handle it fails with <see cref="DeathPactException"/>.
/// </summary>
public sealed record Terminated(IActorRef ActorRef, bool ExistenceConfirmed, bool AddressTerminated) : IDeadLetterSuppression;
