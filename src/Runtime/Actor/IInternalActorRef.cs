namespace HFedMoE.Runtime.Actor;

/// <summary>Runtime-side view of a reference: which system hosts it and whether it is gone.</summary>
internal interface IInternalActorRef
{
    ActorSystem System { get; }

    bool IsTerminated { get; }
}
