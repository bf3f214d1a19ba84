namespace HFedMoE.Runtime.Actor.Dispatch;

/// <summary>A message and its sender as they sit in a mailbox (a struct: queuing allocates nothing).</summary>
public readonly record struct Envelope(object Message, IActorRef? Sender);
