namespace HFedMoE.Runtime.Actor;

/// <summary>Thrown when an actor's constructor or PreStart fails; the default decider stops the actor.</summary>
public sealed class ActorInitializationException : Exception
{
    public ActorInitializationException()
    {
    }

    public ActorInitializationException(string message)
        : base(message)
    {
    }

    public ActorInitializationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ActorInitializationException(IActorRef? actor, string message, Exception? innerException)
        : base(message, innerException)
    {
        Actor = actor;
    }

    /// <summary>The actor that failed to start, when known.</summary>
    public IActorRef? Actor { get; }
}
