namespace HFedMoE.Runtime.Actor;

/// <summary>Generic reply envelopes; a <see cref="Failure"/> reply faults an Ask task with its cause.</summary>
public static class Status
{
    public sealed record Success(object? Value);

    public sealed record Failure(Exception Cause, object? State = null);
}
