namespace HFedMoE.Runtime.Actor.Dispatch;

/// <summary>
/// Runs actors' mailboxes on threads. A mailbox is handed over at most once at a time (the cell
/// keeps a "scheduled" flag), so an actor never runs on two threads at once; each run processes
/// pending system messages and then up to <see cref="Throughput"/> user messages.
/// </summary>
public abstract class MessageDispatcher
{
    protected MessageDispatcher(string id, int throughput)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        if (throughput < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(throughput), throughput, $"dispatcher '{id}': throughput must be >= 1 (default 30)");
        }
        Id = id;
        Throughput = throughput;
    }

    /// <summary>The config path that defines this dispatcher, e.g. <c>hfedmoe.actor.default-dispatcher</c>.</summary>
    public string Id { get; }

    /// <summary>User messages an actor may process per turn before yielding its thread.</summary>
    public int Throughput { get; }

    /// <summary>Queues a mailbox run.</summary>
    public abstract void Schedule(IThreadPoolWorkItem mailbox);

    /// <summary>Releases threads owned by this dispatcher (called when the actor system terminates).</summary>
    public virtual void Shutdown()
    {
    }
}
