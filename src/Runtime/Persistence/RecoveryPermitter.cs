namespace HFedMoE.Runtime.Persistence;

/// <summary>
/// Bounds how many persistent actors replay at once (<c>max-concurrent-recoveries</c>), so a
/// mass restart does not open hundreds of replays against the database together. Requests
/// beyond the limit wait in FIFO order.
/// </summary>
internal sealed class RecoveryPermitter
{
    private readonly object _gate = new();
    private readonly LinkedList<Action> _waiting = new();
    private readonly int _max;
    private int _used;

    public RecoveryPermitter(int maxConcurrentRecoveries)
    {
        if (maxConcurrentRecoveries < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxConcurrentRecoveries), maxConcurrentRecoveries, "max-concurrent-recoveries must be ≥ 1");
        }
        _max = maxConcurrentRecoveries;
    }

    public int InUse
    {
        get
        {
            lock (_gate)
            {
                return _used;
            }
        }
    }

    /// <summary>Calls <paramref name="granted"/> now or when a permit frees; dispose the result to withdraw a waiting request.</summary>
    public IDisposable Request(Action granted)
    {
        LinkedListNode<Action>? node = null;
        lock (_gate)
        {
            if (_used < _max)
            {
                _used++;
            }
            else
            {
                node = _waiting.AddLast(granted);
            }
        }
        if (node is null)
        {
            granted();
            return Withdrawal.None;
        }
        return new Withdrawal(this, node);
    }

    public void Return()
    {
        Action? next = null;
        lock (_gate)
        {
            if (_waiting.First is { } first)
            {
                _waiting.RemoveFirst();
                next = first.Value;
            }
            else
            {
                _used--;
            }
        }
        next?.Invoke();
    }

    private void Withdraw(LinkedListNode<Action> node)
    {
        lock (_gate)
        {
            if (node.List is not null)
            {
                _waiting.Remove(node);
            }
        }
    }

    private sealed class Withdrawal(RecoveryPermitter? owner, LinkedListNode<Action>? node) : IDisposable
    {
        public static Withdrawal None { get; } = new(null, null);

        public void Dispose()
        {
            if (owner is not null && node is not null)
            {
                owner.Withdraw(node);
            }
        }
    }
}
