namespace HFedMoE.Runtime.Actor.Scheduling;

/// <summary>Thrown when work is scheduled on a scheduler that has been shut down.</summary>
public sealed class SchedulerException : Exception
{
    public SchedulerException()
    {
    }

    public SchedulerException(string message)
        : base(message)
    {
    }

    public SchedulerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
