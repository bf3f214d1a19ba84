using HFedMoE.Runtime.Actor;

namespace HFedMoE.TestKit;

/// <summary>A message as a probe received it, with the sender it came from (null: no sender).</summary>
public sealed record ReceivedMessage(object Message, IActorRef? Sender)
{
    public override string ToString() => $"{Message} ({Message.GetType().Name}) from {Sender?.ToString() ?? "no sender"}";
}
