using System.Collections.Concurrent;
using HFedMoE.Runtime.Actor.Dispatch;
using HFedMoE.Runtime.Serialization;

namespace HFedMoE.Runtime.Actor;

/// <summary>
/// The mailbox: an unbounded MPSC user queue (created on the first message), a lock-free stack of
/// system messages (processed first, in send order), and a front stack for unstashed messages.
/// A status word guarantees one run at a time: senders set "scheduled" with a CAS and only the
/// winner hands the cell to the dispatcher.
/// </summary>
internal sealed partial class ActorCell : IThreadPoolWorkItem
{
    private const int ScheduledFlag = 1;
    private const int ClosedFlag = 2;

    private ConcurrentQueue<Envelope>? _userQueue;
    private SystemMessage? _systemHead;
    private Stack<Envelope>? _front;
    private int _status;

    // Mailbox-thread-only state.
    private int _suspendCount;
    private bool _awaitingTask;
    private int _asyncGeneration;
    private volatile bool _terminating;
    private SerializationExtension? _serialization;

    internal bool IsClosed => (Volatile.Read(ref _status) & ClosedFlag) != 0;

    internal bool IsTerminating => _terminating;

    /// <summary>Thread-safe: enqueues a user message (dead-lettered once the actor has stopped).</summary>
    public void SendMessage(object message, IActorRef? sender)
    {
        if ((Volatile.Read(ref _status) & ClosedFlag) != 0)
        {
            System.DeadLetterRef.Publish(message, sender, SelfRef);
            return;
        }
        // Every user message passes here, so this is where serialize-messages swaps in the copy
        // (cached per cell: when off, a send pays one field read and a bool test).
        var serialization = _serialization ??= SerializationExtension.Get(System);
        if (serialization.SerializeMessages)
        {
            var copy = serialization.CopyForDelivery(message, sender, SelfRef);
            if (copy is null)
            {
                return;
            }
            message = copy;
        }
        var queue = _userQueue ?? CreateUserQueue();
        queue.Enqueue(new Envelope(message, sender));
        if ((Volatile.Read(ref _status) & ClosedFlag) != 0)
        {
            // Lost the race with termination: whatever is left will never run.
            DrainUserQueueToDeadLetters();
            return;
        }
        TrySchedule();
    }

    /// <summary>Thread-safe: pushes a system message.</summary>
    internal void SendSystemMessage(SystemMessage message)
    {
        SystemMessage? head;
        do
        {
            head = Volatile.Read(ref _systemHead);
            message.Next = head;
        }
        while (Interlocked.CompareExchange(ref _systemHead, message, head) != head);

        if ((Volatile.Read(ref _status) & ClosedFlag) != 0)
        {
            DrainSystemMessagesOfClosedCell();
            return;
        }
        TrySchedule();
    }

    /// <summary>Mailbox thread only: puts <paramref name="envelopes"/> (oldest first) before everything queued.</summary>
    internal void PrependUserMessages(IReadOnlyList<Envelope> envelopes)
    {
        if (envelopes.Count == 0)
        {
            return;
        }
        var front = _front ??= new Stack<Envelope>();
        for (int i = envelopes.Count - 1; i >= 0; i--)
        {
            front.Push(envelopes[i]);
        }
    }

    public void Execute()
    {
        var previous = t_current;
        t_current = this;
        try
        {
            ProcessSystemMessages();
            if ((_status & ClosedFlag) == 0)
            {
                ProcessUserMessages();
            }
        }
        finally
        {
            t_current = previous;
            Interlocked.And(ref _status, ~ScheduledFlag);
            // A sender that enqueued while we were running saw "scheduled" and left it to us.
            if (HasWork())
            {
                TrySchedule();
            }
        }
    }

    private ConcurrentQueue<Envelope> CreateUserQueue()
    {
        var created = new ConcurrentQueue<Envelope>();
        return Interlocked.CompareExchange(ref _userQueue, created, null) ?? created;
    }

    private void TrySchedule()
    {
        while (true)
        {
            int s = Volatile.Read(ref _status);
            if ((s & (ScheduledFlag | ClosedFlag)) != 0)
            {
                return;
            }
            if (Interlocked.CompareExchange(ref _status, s | ScheduledFlag, s) == s)
            {
                Dispatcher.Schedule(this);
                return;
            }
        }
    }

    private bool CanProcessUserMessages => _suspendCount == 0 && !_awaitingTask && !_terminating && _actor is not null;

    private bool HasWork()
    {
        if (Volatile.Read(ref _systemHead) is not null)
        {
            return true;
        }
        if ((Volatile.Read(ref _status) & ClosedFlag) != 0 || !CanProcessUserMessages)
        {
            return false;
        }
        return _front is { Count: > 0 } || _userQueue is { IsEmpty: false };
    }

    private bool TryDequeueUser(out Envelope envelope)
    {
        if (_front is { Count: > 0 } front)
        {
            envelope = front.Pop();
            return true;
        }
        var queue = _userQueue;
        if (queue is not null)
        {
            return queue.TryDequeue(out envelope);
        }
        envelope = default;
        return false;
    }

    private void ProcessUserMessages()
    {
        int left = Dispatcher.Throughput;
        while (CanProcessUserMessages && TryDequeueUser(out var envelope))
        {
            Invoke(envelope);
            if (Volatile.Read(ref _systemHead) is not null)
            {
                ProcessSystemMessages();
            }
            if (--left == 0 || (_status & ClosedFlag) != 0)
            {
                return;
            }
        }
    }

    private void ProcessSystemMessages()
    {
        while (true)
        {
            var list = Interlocked.Exchange(ref _systemHead, null);
            if (list is null)
            {
                return;
            }
            // The stack holds newest first; reverse to process in send order.
            SystemMessage? ordered = null;
            while (list is not null)
            {
                var next = list.Next;
                list.Next = ordered;
                ordered = list;
                list = next;
            }
            while (ordered is not null)
            {
                var message = ordered;
                ordered = ordered.Next;
                message.Next = null;
                if ((_status & ClosedFlag) != 0)
                {
                    DeadSystemMessage(message);
                }
                else
                {
                    InvokeSystem(message);
                }
            }
        }
    }

    private void InvokeSystem(SystemMessage message)
    {
        try
        {
            switch (message)
            {
                case Create:
                    CreateActor();
                    break;
                case Recreate r:
                    FaultRecreate(r.Cause);
                    break;
                case Suspend:
                    FaultSuspend();
                    break;
                case Resume r:
                    FaultResume(r.CausedByFailure);
                    break;
                case Terminate:
                    StartTerminate();
                    break;
                case Watch w:
                    AddWatcher(w.Watchee, w.Watcher);
                    break;
                case Unwatch u:
                    RemoveWatcher(u.Watchee, u.Watcher);
                    break;
                case Failed f:
                    HandleFailedChild(f);
                    break;
                case DeathWatchNotification n:
                    HandleDeathWatchNotification(n.Actor, n.ExistenceConfirmed, n.AddressTerminated);
                    break;
                case AsyncHandlerCompleted c:
                    CompleteAsyncHandler(c.Generation, c.Failure);
                    break;
            }
        }
        catch (Exception e)
        {
            HandleInvokeFailure(e);
        }
    }

    /// <summary>A system message that reached a stopped actor: watchers still learn it is gone.</summary>
    private void DeadSystemMessage(SystemMessage message)
    {
        if (message is Watch w && !w.Watcher.Equals(SelfRef) && w.Watchee.Equals(SelfRef) && w.Watcher is LocalActorRef watcher)
        {
            watcher.Cell.SendSystemMessage(new DeathWatchNotification(SelfRef, existenceConfirmed: false, addressTerminated: false));
        }
    }

    private void DrainSystemMessagesOfClosedCell()
    {
        var list = Interlocked.Exchange(ref _systemHead, null);
        while (list is not null)
        {
            var next = list.Next;
            list.Next = null;
            DeadSystemMessage(list);
            list = next;
        }
    }

    private void DrainUserQueueToDeadLetters()
    {
        var deadLetters = System.DeadLetterRef;
        if (_front is { } front && t_current == this)
        {
            while (front.TryPop(out var e))
            {
                deadLetters.Publish(e.Message, e.Sender, SelfRef);
            }
        }
        var queue = _userQueue;
        if (queue is null)
        {
            return;
        }
        while (queue.TryDequeue(out var e))
        {
            deadLetters.Publish(e.Message, e.Sender, SelfRef);
        }
    }

    /// <summary>An async handler's task is pending: hold user messages until it completes.</summary>
    internal void AwaitAsyncHandler(Task task)
    {
        _awaitingTask = true;
        var pending = new PendingAsyncHandler(this, ++_asyncGeneration);
        task.ContinueWith(
            static (t, state) =>
            {
                var p = (PendingAsyncHandler)state!;
                Exception? failure = t.IsFaulted ? (t.Exception!.InnerExceptions.Count == 1 ? t.Exception.InnerException! : t.Exception)
                    : t.IsCanceled ? new TaskCanceledException(t) : null;
                p.Cell.SendSystemMessage(new AsyncHandlerCompleted(p.Generation, failure));
            },
            pending,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void CompleteAsyncHandler(int generation, Exception? failure)
    {
        if (generation != _asyncGeneration)
        {
            // The task belonged to an instance that has since been restarted.
            return;
        }
        _awaitingTask = false;
        if (failure is not null)
        {
            HandleInvokeFailure(failure);
        }
        _current = default;
    }

    private sealed record PendingAsyncHandler(ActorCell Cell, int Generation);
}
