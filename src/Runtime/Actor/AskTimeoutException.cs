namespace HFedMoE.Runtime.Actor;

/// <summary>Faults an Ask task when no reply arrived within the timeout.</summary>
public sealed class AskTimeoutException : Exception
{
    public AskTimeoutException()
    {
    }

    public AskTimeoutException(string message)
        : base(message)
    {
    }

    public AskTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
