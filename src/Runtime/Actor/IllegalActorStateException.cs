namespace HFedMoE.Runtime.Actor;

/// <summary>Thrown when an actor API is used in a state that forbids it (e.g. stashing the same message twice).</summary>
public sealed class IllegalActorStateException : Exception
{
    public IllegalActorStateException()
    {
    }

    public IllegalActorStateException(string message)
        : base(message)
    {
    }

    public IllegalActorStateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
