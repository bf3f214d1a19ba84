namespace HFedMoE.Runtime.Actor;

/// <summary>Thrown when an actor selection resolves to no actor.</summary>
public sealed class ActorNotFoundException : Exception
{
    public ActorNotFoundException()
    {
    }

    public ActorNotFoundException(string message)
        : base(message)
    {
    }

    public ActorNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
