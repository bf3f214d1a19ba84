namespace HFedMoE.Runtime.Actor.Event;

/// <summary>Published on the EventStream when an actor received a message it has no handler for.</summary>
public sealed record UnhandledMessage(object Message, IActorRef? Sender, IActorRef Recipient);
