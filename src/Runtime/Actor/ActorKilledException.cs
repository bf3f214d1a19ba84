namespace HFedMoE.Runtime.Actor;

/// <summary>Thrown inside an actor that received <see cref="Kill"/>; the default decider stops it.</summary>
public sealed class ActorKilledException : Exception
{
    public ActorKilledException()
    {
    }

    public ActorKilledException(string message)
        : base(message)
    {
    }

    public ActorKilledException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
