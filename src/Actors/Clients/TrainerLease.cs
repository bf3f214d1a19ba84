using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Clients;

/// <summary>A trainer borrowed from a <see cref="TrainerPool"/>; disposing gives it back (once).</summary>
public sealed class TrainerLease : IDisposable
{
    private readonly TrainerPool _pool;
    private LocalTrainer? _trainer;

    internal TrainerLease(TrainerPool pool, LocalTrainer trainer)
    {
        _pool = pool;
        _trainer = trainer;
    }

    /// <summary>The borrowed trainer; only the holder may use it, and only until disposal.</summary>
    public LocalTrainer Trainer => _trainer ?? throw new ObjectDisposedException(nameof(TrainerLease), "the trainer was already given back to its pool");

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _trainer, null) is { } trainer)
        {
            _pool.Return(trainer);
        }
    }
}
