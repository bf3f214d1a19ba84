namespace HFedMoE.Runtime.Actor;

/// <summary>Thrown by ActorOf when a name is empty, uses illegal characters, starts with '$', or is already taken by a sibling.</summary>
public sealed class InvalidActorNameException : Exception
{
    public InvalidActorNameException()
    {
    }

    public InvalidActorNameException(string message)
        : base(message)
    {
    }

    public InvalidActorNameException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
