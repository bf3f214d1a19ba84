namespace HFedMoE.Runtime.Actor;

/// <summary>
/// An actor that declares typed handlers in its constructor (or inside <see cref="Become"/>):
/// <c>Receive&lt;Ping&gt;(p =&gt; Sender.Tell(new Pong()))</c>. Handlers are tried in registration
/// order and the first match wins; unmatched messages go to <see cref="ActorBase.Unhandled"/>.
/// </summary>
public abstract class ReceiveActor : ActorBase
{
    // Handlers registered in the constructor (created with the first one), and the set being
    // built inside Become; after PreStart only Become may register.
    private HandlerSet? _initial;
    private HandlerSet? _configuring;
    private bool _started;

    protected internal sealed override bool Receive(object message) => _initial is not null && _initial.TryHandle(message);

    /// <summary>Handles messages of type <typeparamref name="T"/> (that pass <paramref name="shouldHandle"/>).</summary>
    protected void Receive<T>(Action<T> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(new ActionHandler<T>(handler, shouldHandle));
    }

    protected void Receive<T>(Predicate<T> shouldHandle, Action<T> handler)
    {
        ArgumentNullException.ThrowIfNull(shouldHandle);
        ArgumentNullException.ThrowIfNull(handler);
        Add(new ActionHandler<T>(handler, shouldHandle));
    }

    /// <summary>Handles <typeparamref name="T"/> when <paramref name="handler"/> returns true; false passes the message on.</summary>
    protected void Receive<T>(Func<T, bool> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(new FuncHandler<T>(handler));
    }

    /// <summary>
    /// Handles <typeparamref name="T"/> asynchronously: the actor takes no other message until the
    /// returned task completes (a faulted task fails the actor like a thrown exception).
    /// </summary>
    protected void ReceiveAsync<T>(Func<T, Task> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(new AsyncHandler<T>(handler, shouldHandle, this));
    }

    /// <summary>Handles every message not matched by an earlier handler.</summary>
    protected void ReceiveAny(Action<object> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(new ActionHandler<object>(handler, null));
    }

    protected void ReceiveAnyAsync(Func<object, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(new AsyncHandler<object>(handler, null, this));
    }

    /// <summary>Replaces the handlers with those <paramref name="configure"/> registers.</summary>
    protected void Become(Action configure) => Context.Become(Build(configure));

    /// <summary>Pushes the handlers <paramref name="configure"/> registers; <see cref="UnbecomeStacked"/> pops them.</summary>
    protected void BecomeStacked(Action configure) => Context.BecomeStacked(Build(configure));

    protected void UnbecomeStacked() => Context.UnbecomeStacked();

    protected internal override void AroundPreStart()
    {
        _started = true;
        base.AroundPreStart();
    }

    protected internal override void AroundPostRestart(Exception cause)
    {
        _started = true;
        base.AroundPostRestart(cause);
    }

    private Receive Build(Action configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var previous = _configuring;
        var set = new HandlerSet();
        _configuring = set;
        try
        {
            configure();
        }
        finally
        {
            _configuring = previous;
        }
        return set.TryHandle;
    }

    private void Add(Handler handler)
    {
        var target = _configuring
            ?? (_started ? null : _initial ??= new HandlerSet())
            ?? throw new InvalidOperationException($"{GetType().Name}: Receive handlers can only be registered in the constructor or inside Become(...)");
        target.Add(handler);
    }

    private void RunAsync(Task task)
    {
        if (task.IsCompletedSuccessfully)
        {
            return;
        }
        Cell.AwaitAsyncHandler(task);
    }

    private sealed class HandlerSet
    {
        private Handler[] _handlers = [];
        private int _count;

        public void Add(Handler h)
        {
            if (_count == _handlers.Length)
            {
                Array.Resize(ref _handlers, Math.Max(2, _count * 2));
            }
            _handlers[_count++] = h;
        }

        public bool TryHandle(object message)
        {
            var handlers = _handlers;
            for (int i = 0; i < _count; i++)
            {
                if (handlers[i].TryHandle(message))
                {
                    return true;
                }
            }
            return false;
        }
    }

    private abstract class Handler
    {
        public abstract bool TryHandle(object message);
    }

    private sealed class ActionHandler<T>(Action<T> action, Predicate<T>? shouldHandle) : Handler
    {
        public override bool TryHandle(object message)
        {
            if (message is T t && (shouldHandle is null || shouldHandle(t)))
            {
                action(t);
                return true;
            }
            return false;
        }
    }

    private sealed class FuncHandler<T>(Func<T, bool> func) : Handler
    {
        public override bool TryHandle(object message) => message is T t && func(t);
    }

    private sealed class AsyncHandler<T>(Func<T, Task> func, Predicate<T>? shouldHandle, ReceiveActor owner) : Handler
    {
        public override bool TryHandle(object message)
        {
            if (message is T t && (shouldHandle is null || shouldHandle(t)))
            {
                owner.RunAsync(func(t));
                return true;
            }
            return false;
        }
    }
}
