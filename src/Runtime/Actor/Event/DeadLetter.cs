namespace HFedMoE.Runtime.Actor.Event;

/// <summary>
/// Published on the EventStream when a message could not be delivered: its recipient was stopped
/// or never existed. Delivery of dead letters is best-effort and local to this node.
/// </summary>
public sealed record DeadLetter(object Message, IActorRef? Sender, IActorRef Recipient);
