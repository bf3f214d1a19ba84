using HFedMoE.Runtime.Actor.Dispatch;
using Microsoft.Extensions.Logging;

namespace HFedMoE.Runtime.Actor;

/// <summary>
/// The runtime side of one actor: its mailbox (this class is the ThreadPool work item), the
/// current instance and behaviour, children, watchers, supervision state and timeouts. All
/// instance state below is touched only by the thread currently running the mailbox, except
/// where a member says otherwise (queues, status flags, the children dictionary's lock).
/// </summary>
/// <remarks>
/// Split by concern over partial files: Mailbox, Children, DeathWatch, FaultHandling,
/// ReceiveTimeout. Rarely used state lives in <see cref="CellExtras"/>, allocated on first use,
/// so an idle actor stays small.
/// </remarks>
internal sealed partial class ActorCell : IActorContext
{
    // The cell whose actor is being constructed on this thread, so ActorBase's constructor can
    // bind to it without the user passing it around (Akka does the same).
    [ThreadStatic]
    private static ActorCell? t_constructing;

    // The cell whose mailbox runs on this thread; lets ref.Forward(msg) find the current sender.
    [ThreadStatic]
    private static ActorCell? t_current;

    private readonly ActorCell? _parent;
    private ActorBase? _actor;
    private Receive? _behavior;
    private Envelope _current;
    private CellExtras? _extras;

    public ActorCell(ActorSystem system, ActorPath path, Props props, MessageDispatcher dispatcher, ActorCell? parent)
    {
        System = system;
        Props = props;
        Dispatcher = dispatcher;
        _parent = parent;
        SelfRef = new LocalActorRef(this, path);
    }

    internal static ActorCell? Current => t_current;

    public ActorSystem System { get; }

    public Props Props { get; }

    public MessageDispatcher Dispatcher { get; }

    public LocalActorRef SelfRef { get; }

    public IActorRef Self => SelfRef;

    public IActorRef Parent => _parent?.SelfRef ?? (IActorRef)SelfRef;

    internal ActorCell? ParentCell => _parent;

    public IActorRef Sender => _current.Sender ?? System.DeadLetters;

    internal IActorRef? CurrentSender => _current.Sender;

    internal Envelope CurrentEnvelope => _current;

    internal ActorBase? Actor => _actor;

    private CellExtras Extras => _extras ??= new CellExtras();

    /// <summary>Queues the Create signal; the constructor runs on the dispatcher like any message.</summary>
    internal void Start() => SendSystemMessage(new Create());

    internal static ActorCell? TakeConstructingCell()
    {
        var cell = t_constructing;
        t_constructing = null;
        return cell;
    }

    public void Become(Receive receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        var stack = _extras?.BehaviorStack;
        if (stack is { Count: > 0 })
        {
            stack[^1] = receive;
        }
        _behavior = receive;
    }

    public void BecomeStacked(Receive receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        var stack = Extras.BehaviorStack ??= [];
        if (stack.Count == 0)
        {
            // Remember what we return to, even if it is the default behaviour (null).
            stack.Add(_behavior);
        }
        stack.Add(receive);
        _behavior = receive;
    }

    public void UnbecomeStacked()
    {
        var stack = _extras?.BehaviorStack;
        if (stack is null || stack.Count <= 1)
        {
            return;
        }
        stack.RemoveAt(stack.Count - 1);
        _behavior = stack[^1];
        if (stack.Count == 1)
        {
            stack.Clear();
        }
    }

    public void Forward(IActorRef target, object message)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Tell(message, _current.Sender);
    }

    internal IStash CreateStash()
    {
        var stash = new UnboundedStash(this);
        (Extras.Stashes ??= []).Add(stash);
        return stash;
    }

    /// <summary>Processes one user message.</summary>
    private void Invoke(in Envelope envelope)
    {
        _current = envelope;
        object? delivered = envelope.Message;
        try
        {
            if (delivered is IAutoReceivedMessage)
            {
                delivered = AutoReceive(delivered);
            }
            else
            {
                _actor!.AroundReceive(_behavior ?? _actor.DefaultBehavior, delivered);
            }
        }
        catch (Exception e)
        {
            HandleInvokeFailure(e);
        }
        finally
        {
            if (!_awaitingTask)
            {
                _current = default;
            }
        }
        if (_extras?.ReceiveTimeout is not null && delivered is not null and not INotInfluenceReceiveTimeout)
        {
            RescheduleReceiveTimeout();
        }
    }

    /// <summary>Handles runtime-level messages; returns the message the actor saw (null if none).</summary>
    private object? AutoReceive(object message)
    {
        switch (message)
        {
            case WatchedActorTerminated t:
                return ReceivedTerminated(t);
            case PoisonPill:
                Stop(Self);
                return null;
            case Kill:
                throw new ActorKilledException($"Kill: [{Self.Path}] was killed");
            case Identify identify:
                Sender.Tell(new ActorIdentity(identify.MessageId, Self), Self);
                return null;
            case TimerTick tick:
                var payload = _extras?.Timers?.Accept(tick);
                if (payload is not null)
                {
                    DeliverUnwrapped(payload);
                }
                return payload;
            case ReceiveTimeoutTick rt:
                if (_extras is { } x && ReferenceEquals(x.ReceiveTimeoutTick, rt))
                {
                    // Re-arm first: it keeps firing while idle, and the handler may turn it off.
                    ScheduleReceiveTimeout();
                    DeliverUnwrapped(HFedMoE.Runtime.Actor.ReceiveTimeout.Instance);
                }
                return null;
            default:
                return null;
        }
    }

    /// <summary>
    /// Delivers what a runtime-level envelope (death notice, timer tick, receive-timeout tick)
    /// stands for. The current envelope is rewritten to that message first, so an actor that
    /// stashes it (a persistent actor mid-Persist, or user code) stashes the message itself: the
    /// wrapper's one-shot bookkeeping is already consumed and would drop it on unstash (Akka does
    /// the same rewrite for this reason).
    /// </summary>
    private void DeliverUnwrapped(object message)
    {
        _current = _current with { Message = message };
        _actor!.AroundReceive(_behavior ?? _actor.DefaultBehavior, message);
    }

    private ActorBase NewActor()
    {
        t_constructing = this;
        ActorBase actor;
        try
        {
            actor = Props.NewActor();
        }
        finally
        {
            t_constructing = null;
        }
        if (!ReferenceEquals(actor.Cell, this))
        {
            throw new ActorInitializationException(Self, $"Props for [{Self.Path}] returned an actor that was not created by this Props call", null);
        }
        if (actor is IWithUnboundedStash withStash)
        {
            withStash.Stash = CreateStash();
        }
        if (actor is IWithTimers withTimers)
        {
            withTimers.Timers = Extras.Timers ??= new TimerScheduler(this);
        }
        return actor;
    }

    private void CreateActor()
    {
        try
        {
            _actor = NewActor();
            _actor.AroundPreStart();
        }
        catch (Exception e)
        {
            HandleInvokeFailure(e is ActorInitializationException ? e : new ActorInitializationException(Self, $"exception during creation of [{Self.Path}]: {e.Message}", e));
        }
    }

    internal void LogError(Exception? cause, string message) => System.EmitLog(LogLevel.Error, Self.Path.ToString(), message, cause);

    /// <summary>State most actors never need, allocated on first use.</summary>
    private sealed class CellExtras
    {
        public List<Receive?>? BehaviorStack;
        public List<UnboundedStash>? Stashes;
        public TimerScheduler? Timers;
        public Dictionary<IActorRef, object?>? Watching;
        public HashSet<IActorRef>? WatchedBy;
        public Dictionary<IActorRef, object?>? TerminatedQueued;
        public TimeSpan? ReceiveTimeout;
        public ICancelable? ReceiveTimeoutTask;
        public ReceiveTimeoutTick? ReceiveTimeoutTick;
        public Exception? PendingRecreate;
        public object? FailedMessage;
        public SupervisorStrategy? Strategy;
    }
}
