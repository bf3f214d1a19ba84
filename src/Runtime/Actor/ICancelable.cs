namespace HFedMoE.Runtime.Actor;

/// <summary>A handle to scheduled work that can be cancelled (idempotent).</summary>
public interface ICancelable
{
    bool IsCancellationRequested { get; }

    void Cancel();
}
