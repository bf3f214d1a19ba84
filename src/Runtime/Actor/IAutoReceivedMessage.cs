namespace HFedMoE.Runtime.Actor;

/// <summary>Messages the actor cell handles itself before (or instead of) the actor's behaviour.</summary>
internal interface IAutoReceivedMessage
{
}
