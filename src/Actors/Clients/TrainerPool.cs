using HFedMoE.Model.Federated;
using HFedMoE.Model.Nn;
using Akka.Configuration;

namespace HFedMoE.Actors.Clients;

/// <summary>
/// The node's local trainers, lent to <see cref="Client"/> actors for the length of one
/// <c>Train</c> call. A trainer holds a whole model and its optimizer state, so a client that
/// kept one between rounds would cost a model copy per virtual client; pooled, the node holds
/// one per training thread however many clients it hosts. Lending does not change results:
/// <see cref="LocalTrainer.Train"/> overwrites every weight from the global model and clears
/// the optimizer's moments and step counts before each round.
/// Trainers are created on first need, never more than <see cref="Size"/>; <see cref="Rent"/>
/// blocks while all are lent (training blocks its thread anyway, and no holder waits on
/// anything, so it cannot deadlock). Thread-safe. Like a dispatcher it is a node resource:
/// pass it in through the Props, one per federation, and dispose it with the node: a trainer on
/// TorchSharp holds native tensors the GC does not free. Disposing frees the idle trainers at
/// once and each lent one when it comes back; renting afterwards throws.
/// </summary>
public sealed class TrainerPool : IDisposable
{
    /// <summary>The thread count of the dedicated dispatcher clients train on (the default pool size).</summary>
    public const string ThreadCountPath = "hfedmoe.actor.dedicated-dispatcher.dedicated-thread-pool.thread-count";

    private readonly Func<LocalTrainer> _create;
    private readonly Stack<LocalTrainer> _idle = new();
    private readonly HashSet<LocalTrainer> _all = new(ReferenceEqualityComparer.Instance);
    // A monitor rather than a SemaphoreSlim: the pool then owns nothing disposable and can live as long as its node.
    private readonly object _gate = new();
    private int _lent;
    private bool _disposed;

    /// <param name="size">The most trainers that may exist (and train) at once; at least 1.</param>
    /// <param name="create">Makes a new trainer; each call must return a distinct instance.</param>
    public TrainerPool(int size, Func<LocalTrainer> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        if (size < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"trainer pool size is {size}; expected ≥ 1 (usually the training thread count)");
        }
        Size = size;
        _create = create;
    }

    /// <summary>A pool of up to <paramref name="size"/> trainers of <paramref name="model"/>.</summary>
    public static TrainerPool For(ModelConfig model, LocalTrainerOptions? options, int size)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.Validate();
        return new TrainerPool(size, () => new LocalTrainer(model, options));
    }

    /// <summary>The number of threads that train at once on this node: <see cref="ThreadCountPath"/> (1 when unset).</summary>
    public static int DefaultSize(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Math.Max(1, config.GetInt(ThreadCountPath, 1));
    }

    /// <summary>The most trainers this pool holds.</summary>
    public int Size { get; }

    /// <summary>Trainers not lent out right now (created or not yet); <see cref="Size"/> when nobody trains.</summary>
    public int Available
    {
        get
        {
            lock (_gate)
            {
                return Size - _lent;
            }
        }
    }

    /// <summary>Trainers created so far (≤ <see cref="Size"/>; only as many as were ever busy at once).</summary>
    public int Created
    {
        get
        {
            lock (_gate)
            {
                return _all.Count;
            }
        }
    }

    /// <summary>Lends a trainer until the lease is disposed, waiting while all are lent.</summary>
    public TrainerLease Rent()
    {
        lock (_gate)
        {
            while (_lent == Size && !_disposed)
            {
                Monitor.Wait(_gate);
            }
            ObjectDisposedException.ThrowIf(_disposed, this);
            _lent++;
            if (_idle.TryPop(out var idle))
            {
                return new TrainerLease(this, idle);
            }
        }
        try
        {
            // Created outside the lock: a model allocation must not hold up returns.
            var created = _create() ?? throw new InvalidOperationException("the trainer factory returned null");
            lock (_gate)
            {
                if (_disposed)
                {
                    created.Dispose();
                    throw new ObjectDisposedException(nameof(TrainerPool), "the trainer pool was disposed while a trainer was being made");
                }
                if (!_all.Add(created))
                {
                    throw new InvalidOperationException("the trainer factory returned a trainer the pool already holds; a trainer must not be shared between threads");
                }
            }
            return new TrainerLease(this, created);
        }
        catch
        {
            lock (_gate)
            {
                _lent--;
                Monitor.Pulse(_gate);
            }
            throw;
        }
    }

    internal void Return(LocalTrainer trainer)
    {
        lock (_gate)
        {
            _lent--;
            Monitor.Pulse(_gate);
            if (!_disposed)
            {
                _idle.Push(trainer);
                return;
            }
        }
        trainer.Dispose();
    }

    /// <summary>Frees the idle trainers now and the lent ones as they are given back; wakes every waiting <see cref="Rent"/> (it throws).</summary>
    public void Dispose()
    {
        LocalTrainer[] idle;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
            Monitor.PulseAll(_gate);
        }
        foreach (var trainer in idle)
        {
            trainer.Dispose();
        }
    }
}
