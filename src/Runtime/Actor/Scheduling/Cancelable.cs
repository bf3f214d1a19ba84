namespace HFedMoE.Runtime.Actor.Scheduling;

/// <summary>
/// A thread-safe, idempotent <see cref="ICancelable"/>: the first <see cref="Cancel"/> flips the
/// flag and runs the optional callback exactly once; later calls do nothing.
/// </summary>
public sealed class Cancelable : ICancelable
{
    private readonly Action? _onCancel;
    private int _cancelled;

    public Cancelable(Action? onCancel = null)
    {
        _onCancel = onCancel;
    }

    public bool IsCancellationRequested => Volatile.Read(ref _cancelled) != 0;

    public void Cancel()
    {
        if (Interlocked.Exchange(ref _cancelled, 1) == 0)
        {
            _onCancel?.Invoke();
        }
    }
}
