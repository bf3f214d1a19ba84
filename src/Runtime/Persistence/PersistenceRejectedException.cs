namespace HFedMoE.Runtime.Persistence;

/// <summary>An event was refused before being stored (e.g. it cannot be serialized); nothing was written.</summary>
public sealed class PersistenceRejectedException : Exception
{
    public PersistenceRejectedException()
    {
    }

    public PersistenceRejectedException(string message) : base(message)
    {
    }

    public PersistenceRejectedException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
