namespace HFedMoE.Runtime.Actor;

/// <summary>
/// An immutable, location-transparent handle to an actor. A null sender means "no sender"
/// (Akka's <c>ActorRefs.NoSender</c>).
/// </summary>
public interface IActorRef : ICanTell, IEquatable<IActorRef>
{
    /// <summary>The actor's full path, including the address of the system that hosts it.</summary>
    ActorPath Path { get; }
}
