namespace HFedMoE.Runtime.Actor;

/// <summary>Thrown when an actor does not handle the <see cref="Terminated"/> of an actor it watches; the default decider stops it.</summary>
public sealed class DeathPactException : Exception
{
    public DeathPactException()
    {
    }

    public DeathPactException(string message)
        : base(message)
    {
    }

    public DeathPactException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
