namespace HFedMoE.Runtime.Actor;

/// <summary>Anything a message can be sent to: an actor reference, or a selection of them.</summary>
public interface ICanTell
{
    /// <summary>Sends <paramref name="message"/> without waiting (at-most-once, FIFO per sender–receiver pair).</summary>
    void Tell(object message, IActorRef? sender);
}
