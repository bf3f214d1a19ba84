using HFedMoE.Runtime.Actor.Dispatch;

namespace HFedMoE.Runtime.Actor;

/// <summary>
/// Children: created synchronously by ActorOf (the name is reserved at once), started
/// asynchronously by a Create signal, and removed when their death notice arrives, which is when
/// a name becomes free again. The dictionary is locked because guardians create children on
/// behalf of any thread.
/// </summary>
internal sealed partial class ActorCell
{
    // Akka's generated-name alphabet: "$a", "$b", ... "$~", "$ab", ...
    private const string NameChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+~";

    private ChildrenContainer? _children;

    // Set (once) when this actor's parent or the system asked it to stop; its name stays taken until it has.
    private volatile bool _stopRequested;

    internal bool StopRequested => _stopRequested;

    public IReadOnlyCollection<IActorRef> Children
    {
        get
        {
            lock (this)
            {
                if (_children is null || _children.ByName.Count == 0)
                {
                    return [];
                }
                return [.. _children.ByName.Values];
            }
        }
    }

    public IActorRef? Child(string name)
    {
        lock (this)
        {
            return _children is not null && _children.ByName.TryGetValue(name, out var child) ? child : null;
        }
    }

    public IActorRef ActorOf(Props props, string? name = null) => ActorOfInternal(props, name, allowReservedNames: false);

    internal LocalActorRef ActorOfInternal(Props props, string? name, bool allowReservedNames)
    {
        ArgumentNullException.ThrowIfNull(props);
        if (name is null)
        {
            name = GenerateName();
        }
        else if (!allowReservedNames && !ActorPath.IsValidPathElement(name))
        {
            throw new InvalidActorNameException(
                $"Illegal actor name [{name}]: names must be non-empty, must not start with '$', and may contain only ASCII letters, digits and \"-_.*$+:@&=,!~';()");
        }
        var dispatcher = System.Dispatchers.Lookup(props.Dispatcher);
        int uid = Random.Shared.Next(1, int.MaxValue);
        var cell = new ActorCell(System, SelfRef.Path.Child(name, uid), props, dispatcher, this);
        lock (this)
        {
            var children = _children ??= new ChildrenContainer();
            if (!children.ByName.TryAdd(name, cell.SelfRef))
            {
                throw new InvalidActorNameException($"Actor name [{name}] is not unique! [{SelfRef.Path}] already has a child of that name (a stopped child's name is freed only once its Terminated is processed)");
            }
        }
        cell.Start();
        if (_terminating)
        {
            // Raced with this actor stopping: the child must not outlive it.
            Stop(cell.SelfRef);
        }
        return cell.SelfRef;
    }

    public void Stop(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor is not LocalActorRef local)
        {
            return;
        }
        local.Cell._stopRequested = true;
        local.Cell.SendSystemMessage(new Terminate());
    }

    internal void StopChild(LocalActorRef child) => Stop(child);

    internal static void RestartChild(LocalActorRef child, Exception cause, bool suspendFirst)
    {
        if (suspendFirst)
        {
            child.Cell.SendSystemMessage(new Suspend());
        }
        child.Cell.SendSystemMessage(new Recreate(cause));
    }

    internal static void ResumeChild(LocalActorRef child) => child.Cell.SendSystemMessage(new Resume(causedByFailure: true));

    /// <summary>Restart statistics of every child not being stopped (created on first need).</summary>
    internal List<ChildRestartStats> ChildStatsSnapshot()
    {
        lock (this)
        {
            var result = new List<ChildRestartStats>();
            if (_children is null)
            {
                return result;
            }
            foreach (var child in _children.ByName.Values)
            {
                if (!child.Cell.StopRequested)
                {
                    result.Add(_children.StatsOf(child));
                }
            }
            return result;
        }
    }

    /// <summary>The restart statistics of <paramref name="child"/> if it is (still) our child.</summary>
    private ChildRestartStats? GetChildStats(IActorRef child)
    {
        lock (this)
        {
            return _children is not null && _children.ByName.TryGetValue(child.Path.Name, out var current) && current.Equals(child)
                ? _children.StatsOf(current)
                : null;
        }
    }

    /// <summary>Removes a dead child; true if it was ours.</summary>
    private bool RemoveChild(IActorRef child)
    {
        lock (this)
        {
            if (_children is not null && _children.ByName.TryGetValue(child.Path.Name, out var current) && current.Equals(child))
            {
                _children.ByName.Remove(child.Path.Name);
                _children.Stats?.Remove(current);
                return true;
            }
            return false;
        }
    }

    private bool HasChildren
    {
        get
        {
            lock (this)
            {
                return _children is { ByName.Count: > 0 };
            }
        }
    }

    private bool HasStoppingChildren
    {
        get
        {
            lock (this)
            {
                return _children is not null && _children.ByName.Values.Any(c => c.Cell.StopRequested);
            }
        }
    }

    private void StopAllChildren()
    {
        foreach (var child in Children)
        {
            Stop(child);
        }
    }

    private void SuspendChildren()
    {
        foreach (var c in ChildStatsSnapshot())
        {
            c.Child.Cell.SendSystemMessage(new Suspend());
        }
    }

    private void ResumeChildren()
    {
        foreach (var c in ChildStatsSnapshot())
        {
            c.Child.Cell.SendSystemMessage(new Resume(causedByFailure: false));
        }
    }

    private string GenerateName()
    {
        ChildrenContainer children;
        lock (this)
        {
            children = _children ??= new ChildrenContainer();
        }
        long n = Interlocked.Increment(ref children.NextName) - 1;
        Span<char> buffer = stackalloc char[12];
        int len = 0;
        buffer[len++] = '$';
        do
        {
            buffer[len++] = NameChars[(int)(n & 63)];
            n >>= 6;
        }
        while (n != 0);
        return new string(buffer[..len]);
    }

    /// <summary>Children by name, plus restart statistics for those that ever failed.</summary>
    private sealed class ChildrenContainer
    {
        public readonly Dictionary<string, LocalActorRef> ByName = new(StringComparer.Ordinal);
        public Dictionary<LocalActorRef, ChildRestartStats>? Stats;
        public long NextName;

        public ChildRestartStats StatsOf(LocalActorRef child)
        {
            var stats = Stats ??= [];
            if (!stats.TryGetValue(child, out var s))
            {
                s = new ChildRestartStats(child);
                stats[child] = s;
            }
            return s;
        }
    }
}
