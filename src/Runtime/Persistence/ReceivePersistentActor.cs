using HFedMoE.Runtime.Actor;
using HFedMoE.Runtime.Actor.Logging;

namespace HFedMoE.Runtime.Persistence;

/// <summary>
/// An event-sourced actor (Akka's ReceivePersistentActor). On start it recovers — youngest
/// matching snapshot (<see cref="SnapshotOffer"/>), then the later events, then
/// <see cref="RecoveryCompleted"/> — through the <see cref="Recover{T}(Action{T}, Predicate{T})"/>
/// handlers while commands wait in a stash. Then <see cref="Command{T}(Action{T}, Predicate{T})"/>
/// handlers run; <see cref="Persist{TEvent}"/> stores an event and runs its handler once the journal
/// confirms, stashing new commands until then (<see cref="PersistAsync{TEvent}"/> does not stash).
/// A journal failure stops the actor (<see cref="OnPersistFailure"/>); a rejection only skips the
/// event (<see cref="OnPersistRejected"/>); a recovery failure stops it (<see cref="OnRecoveryFailure"/>).
/// </summary>
public abstract class ReceivePersistentActor : ReceiveActor
{
    private readonly long _instanceId = Random.Shared.NextInt64();
    private readonly string _writerUuid = Guid.NewGuid().ToString("N");
    private readonly List<Func<object, bool>> _recoverHandlers = [];
    private readonly Queue<PendingInvocation> _pendingInvocations = new();
    private readonly Queue<List<BatchItem>> _waitingBatches = new();
    private readonly IStash _internalStash;
    private List<BatchItem> _eventBatch = [];
    private PersistenceExtension? _persistence;
    private Phase _phase = Phase.WaitingForPermit;
    private int _pendingStashing;
    private bool _writeInFlight;
    private long _sequenceNr;
    private IDisposable? _permitRequest;
    private bool _holdsPermit;
    private ICancelable? _recoveryTimer;
    private bool _eventSinceTick;
    private TimeSpan _recoveryTimeout;
    private ILoggingAdapter? _log;

    protected ReceivePersistentActor()
    {
        _internalStash = CreateStash();
    }

    private enum Phase
    {
        WaitingForPermit,
        Recovering,
        Processing,
        Failed,
    }

    /// <summary>The id the journal stores this actor's events under; must be stable across restarts.</summary>
    public abstract string PersistenceId { get; }

    /// <summary>Journal plugin (config path); null = <c>hfedmoe.persistence.journal.plugin</c>.</summary>
    public virtual string? JournalPluginId => null;

    /// <summary>Snapshot-store plugin (config path); null = <c>hfedmoe.persistence.snapshot-store.plugin</c>.</summary>
    public virtual string? SnapshotPluginId => null;

    /// <summary>How this actor recovers (default: latest snapshot, then all later events).</summary>
    public virtual Recovery Recovery => Recovery.Default;

    /// <summary>Sequence number of the last event replayed or whose persist handler ran (0 = none).</summary>
    public long LastSequenceNr { get; private set; }

    /// <summary>Sequence number of the snapshot recovery started from (0 = none).</summary>
    public long SnapshotSequenceNr { get; private set; }

    public bool IsRecovering => _phase is Phase.WaitingForPermit or Phase.Recovering;

    public bool IsRecoveryFinished => _phase == Phase.Processing;

    protected ILoggingAdapter Log => _log ??= Context.GetLogger();

    private PersistenceExtension Persistence => _persistence ??= PersistenceExtension.Get(Context.System);

    private IJournal Journal => Persistence.Journal(JournalPluginId);

    private ISnapshotStore SnapshotStore => Persistence.SnapshotStore(SnapshotPluginId);

    // ------------------------------------------------------------------ handler registration

    /// <summary>Handles commands of type <typeparamref name="T"/> (after recovery).</summary>
    protected void Command<T>(Action<T> handler, Predicate<T>? shouldHandle = null) => Receive(handler, shouldHandle);

    /// <summary>Handles <typeparamref name="T"/> when <paramref name="handler"/> returns true.</summary>
    protected void Command<T>(Func<T, bool> handler) => Receive(handler);

    protected void CommandAny(Action<object> handler) => ReceiveAny(handler);

    /// <summary>Handles replayed events, <see cref="SnapshotOffer"/> and <see cref="RecoveryCompleted"/> of type <typeparamref name="T"/>.</summary>
    protected void Recover<T>(Action<T> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _recoverHandlers.Add(m =>
        {
            if (m is T t && (shouldHandle is null || shouldHandle(t)))
            {
                handler(t);
                return true;
            }
            return false;
        });
    }

    protected void Recover<T>(Func<T, bool> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _recoverHandlers.Add(m => m is T t && handler(t));
    }

    // ------------------------------------------------------------------ persisting

    /// <summary>
    /// Stores <paramref name="evt"/>; <paramref name="handler"/> runs after the journal confirms,
    /// with <c>Sender</c> = the command's sender. New commands are stashed until then.
    /// </summary>
    protected void Persist<TEvent>(TEvent evt, Action<TEvent> handler) where TEvent : notnull =>
        AddWrite([evt], handler, stashing: true);

    /// <summary>Stores <paramref name="events"/> atomically (one AtomicWrite); the handler runs per event.</summary>
    protected void PersistAll<TEvent>(IEnumerable<TEvent> events, Action<TEvent> handler) where TEvent : notnull =>
        AddWrite(events.ToList(), handler, stashing: true);

    /// <summary>Like <see cref="Persist{TEvent}"/> but commands keep flowing; handlers still run in order.</summary>
    protected void PersistAsync<TEvent>(TEvent evt, Action<TEvent> handler) where TEvent : notnull =>
        AddWrite([evt], handler, stashing: false);

    protected void PersistAllAsync<TEvent>(IEnumerable<TEvent> events, Action<TEvent> handler) where TEvent : notnull =>
        AddWrite(events.ToList(), handler, stashing: false);

    /// <summary>Runs <paramref name="handler"/> after every persist issued before it, without storing anything.</summary>
    protected void DeferAsync<TEvent>(TEvent evt, Action<TEvent> handler) where TEvent : notnull
    {
        ArgumentNullException.ThrowIfNull(handler);
        EnsureNotRecovering(nameof(DeferAsync));
        if (_pendingInvocations.Count == 0)
        {
            handler(evt);
            return;
        }
        _pendingInvocations.Enqueue(new PendingInvocation(evt, e => handler((TEvent)e), Stashing: false));
        _eventBatch.Add(new BatchItem(null, Sender));
    }

    /// <summary>Saves <paramref name="snapshot"/> at <see cref="LastSequenceNr"/>; replies <see cref="SaveSnapshotSuccess"/> or <see cref="SaveSnapshotFailure"/>.</summary>
    protected void SaveSnapshot(object snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var metadata = new SnapshotMetadata(PersistenceId, LastSequenceNr, Context.System.Scheduler.Now.UtcDateTime);
        var store = SnapshotStore;
        Reply(() => store.SaveAsync(metadata, snapshot), () => new SaveSnapshotSuccess(metadata), e => new SaveSnapshotFailure(metadata, e));
    }

    /// <summary>Deletes the snapshot at <paramref name="sequenceNr"/>; replies <see cref="DeleteSnapshotSuccess"/> or <see cref="DeleteSnapshotFailure"/>.</summary>
    protected void DeleteSnapshot(long sequenceNr)
    {
        var metadata = new SnapshotMetadata(PersistenceId, sequenceNr, DateTime.MinValue);
        var store = SnapshotStore;
        Reply(() => store.DeleteAsync(metadata), () => new DeleteSnapshotSuccess(metadata), e => new DeleteSnapshotFailure(metadata, e));
    }

    /// <summary>Deletes the snapshots matching <paramref name="criteria"/>; replies <see cref="DeleteSnapshotsSuccess"/> or <see cref="DeleteSnapshotsFailure"/>.</summary>
    protected void DeleteSnapshots(SnapshotSelectionCriteria criteria)
    {
        ArgumentNullException.ThrowIfNull(criteria);
        var store = SnapshotStore;
        var pid = PersistenceId;
        Reply(() => store.DeleteAsync(pid, criteria), () => new DeleteSnapshotsSuccess(criteria), e => new DeleteSnapshotsFailure(criteria, e));
    }

    /// <summary>
    /// Deletes journaled events up to <paramref name="toSequenceNr"/> (≤ <see cref="LastSequenceNr"/>,
    /// or <see cref="long.MaxValue"/> for all); replies <see cref="DeleteMessagesSuccess"/> or
    /// <see cref="DeleteMessagesFailure"/>. The sequence number keeps counting from where it was.
    /// </summary>
    protected void DeleteMessages(long toSequenceNr)
    {
        if (toSequenceNr != long.MaxValue && toSequenceNr > LastSequenceNr)
        {
            Self.Tell(new DeleteMessagesFailure(new ArgumentOutOfRangeException(nameof(toSequenceNr), toSequenceNr, $"toSequenceNr must be ≤ LastSequenceNr ({LastSequenceNr}) or long.MaxValue"), toSequenceNr), Self);
            return;
        }
        var journal = Journal;
        var pid = PersistenceId;
        Reply(() => journal.DeleteToAsync(pid, toSequenceNr), () => new DeleteMessagesSuccess(toSequenceNr), e => new DeleteMessagesFailure(e, toSequenceNr));
    }

    // ------------------------------------------------------------------ failure hooks

    /// <summary>The journal failed to store <paramref name="evt"/> (outcome unknown). The actor is stopped after this.</summary>
    protected virtual void OnPersistFailure(Exception cause, object evt, long sequenceNr) =>
        Log.Error(cause, $"Failed to persist event type [{evt.GetType().FullName}] with sequence number [{sequenceNr}] for persistenceId [{PersistenceId}]; stopping: {cause.Message}");

    /// <summary>The journal refused <paramref name="evt"/> (nothing stored, its handler does not run). The actor continues.</summary>
    protected virtual void OnPersistRejected(Exception cause, object evt, long sequenceNr) =>
        Log.Warning(cause, $"Rejected to persist event type [{evt.GetType().FullName}] with sequence number [{sequenceNr}] for persistenceId [{PersistenceId}]: {cause.Message}");

    /// <summary>Recovery failed (journal/snapshot error, corrupt data, a handler threw, or a timeout). The actor is stopped after this.</summary>
    protected virtual void OnRecoveryFailure(Exception reason, object? message) =>
        Log.Error(reason, message is null
            ? $"Persistence failure when replaying events for persistenceId [{PersistenceId}]. Last known sequence number [{LastSequenceNr}]: {reason.Message}"
            : $"Exception in recovery handler while replaying event type [{message.GetType().FullName}] with sequence number [{LastSequenceNr}] for persistenceId [{PersistenceId}]: {reason.Message}");

    /// <summary>Called after the last event was replayed, before <see cref="RecoveryCompleted"/>.</summary>
    protected virtual void OnReplaySuccess()
    {
    }

    // ------------------------------------------------------------------ kernel hooks

    protected internal override void AroundPreStart()
    {
        base.AroundPreStart();
        RequestRecoveryPermit();
    }

    // A restarted incarnation recovers again, exactly like a new one.
    protected internal override void AroundPostRestart(Exception cause)
    {
        base.AroundPostRestart(cause);
        RequestRecoveryPermit();
    }

    protected internal override void AroundPreRestart(Exception cause, object? message)
    {
        ReleaseRecoveryResources();
        // Commands this incarnation held back go back to the mailbox for the next one.
        _internalStash.UnstashAll();
        base.AroundPreRestart(cause, message);
    }

    protected internal override void AroundPostStop()
    {
        ReleaseRecoveryResources();
        base.AroundPostStop();
    }

    protected internal override bool AroundReceive(Receive receive, object message)
    {
        if (message is PersistenceSignal signal)
        {
            if (signal.InstanceId == _instanceId && _phase != Phase.Failed)
            {
                HandleSignal(signal);
                FlushBatch();
            }
            return true;
        }
        if (_phase != Phase.Processing || _pendingStashing > 0)
        {
            if (_phase != Phase.Failed)
            {
                _internalStash.Stash();
            }
            return true;
        }
        var handled = base.AroundReceive(receive, message);
        FlushBatch();
        return handled;
    }

    // ------------------------------------------------------------------ recovery

    private void HandleSignal(PersistenceSignal signal)
    {
        switch (signal)
        {
            case RecoveryPermitGranted:
                _holdsPermit = true;
                _permitRequest = null;
                StartRecovery();
                break;
            case SnapshotLoaded loaded:
                OnSnapshotLoaded(loaded.Snapshot);
                break;
            case EventReplayed replayed:
                _eventSinceTick = true;
                LastSequenceNr = _sequenceNr = replayed.Event.SequenceNr;
                RunRecoveryHandler(replayed.Event.Payload);
                break;
            case ReplayFinished finished:
                FinishRecovery(finished.HighestSequenceNr);
                break;
            case RecoveryFailed failed:
                FailRecovery(failed.Cause, null);
                break;
            case RecoveryTick when _phase == Phase.Recovering:
                if (!_eventSinceTick)
                {
                    FailRecovery(new RecoveryTimedOutException($"recovery of persistenceId [{PersistenceId}] timed out: nothing arrived from the journal/snapshot store within {_recoveryTimeout} (last sequence number {LastSequenceNr})"), null);
                }
                else
                {
                    _eventSinceTick = false;
                    ScheduleRecoveryTick();
                }
                break;
            case AtomicWriteResult result:
                OnWriteResult(result);
                break;
            case DeferredReady:
                _pendingInvocations.Dequeue().Run();
                break;
            case WriteBatchFailed failed:
                OnWriteBatchFailed(failed);
                break;
            case WriteBatchDone:
                _writeInFlight = false;
                if (_waitingBatches.Count > 0)
                {
                    SendBatch(_waitingBatches.Dequeue());
                }
                break;
        }
    }

    private void RequestRecoveryPermit()
    {
        var self = Self;
        var id = _instanceId;
        _permitRequest = Persistence.Permitter.Request(() => self.Tell(new RecoveryPermitGranted(id), self));
    }

    private void StartRecovery()
    {
        _phase = Phase.Recovering;
        _recoveryTimeout = Persistence.RecoveryEventTimeout(JournalPluginId);
        _eventSinceTick = false;
        ScheduleRecoveryTick();
        var recovery = Recovery;
        var criteria = recovery.FromSnapshot with { MaxSequenceNr = Math.Min(recovery.FromSnapshot.MaxSequenceNr, recovery.ToSequenceNr) };
        var store = criteria.MaxSequenceNr <= 0 || criteria == SnapshotSelectionCriteria.None ? null : SnapshotStore;
        var pid = PersistenceId;
        var self = Self;
        var id = _instanceId;
        _ = Task.Run(async () =>
        {
            try
            {
                var snapshot = store is null ? null : await store.LoadAsync(pid, criteria).ConfigureAwait(false);
                self.Tell(new SnapshotLoaded(id, snapshot), self);
            }
            catch (Exception e)
            {
                self.Tell(new RecoveryFailed(id, e), self);
            }
        });
    }

    private void OnSnapshotLoaded(SelectedSnapshot? snapshot)
    {
        _eventSinceTick = true;
        if (snapshot is not null)
        {
            LastSequenceNr = _sequenceNr = SnapshotSequenceNr = snapshot.Metadata.SequenceNr;
            RunRecoveryHandler(new SnapshotOffer(snapshot.Metadata, snapshot.Snapshot));
            if (_phase != Phase.Recovering)
            {
                return;
            }
        }
        var recovery = Recovery;
        var journal = Journal;
        var pid = PersistenceId;
        var from = LastSequenceNr + 1;
        var self = Self;
        var id = _instanceId;
        _ = Task.Run(async () =>
        {
            try
            {
                await journal.ReplayAsync(pid, from, recovery.ToSequenceNr, recovery.ReplayMax, e => self.Tell(new EventReplayed(id, e), self)).ConfigureAwait(false);
                var highest = await journal.ReadHighestSequenceNrAsync(pid, from).ConfigureAwait(false);
                self.Tell(new ReplayFinished(id, highest), self);
            }
            catch (Exception e)
            {
                self.Tell(new RecoveryFailed(id, e), self);
            }
        });
    }

    private void RunRecoveryHandler(object message)
    {
        try
        {
            foreach (var h in _recoverHandlers)
            {
                if (h(message))
                {
                    return;
                }
            }
            if (message is not (RecoveryCompleted or SnapshotOffer))
            {
                Unhandled(message);
            }
        }
        catch (Exception e) when (_phase == Phase.Recovering)
        {
            FailRecovery(e, message);
        }
    }

    private void FinishRecovery(long highestSequenceNr)
    {
        _recoveryTimer?.Cancel();
        LastSequenceNr = _sequenceNr = Math.Max(highestSequenceNr, LastSequenceNr);
        _phase = Phase.Processing;
        ReturnPermit();
        OnReplaySuccess();
        RunRecoveryHandler(RecoveryCompleted.Instance);
        if (_pendingStashing == 0)
        {
            _internalStash.UnstashAll();
        }
    }

    private void FailRecovery(Exception cause, object? message)
    {
        _phase = Phase.Failed;
        ReleaseRecoveryResources();
        try
        {
            OnRecoveryFailure(cause, message);
        }
        finally
        {
            Context.Stop(Self);
        }
    }

    private void ScheduleRecoveryTick()
    {
        _recoveryTimer?.Cancel();
        _recoveryTimer = Context.System.Scheduler.ScheduleTellOnce(_recoveryTimeout, Self, new RecoveryTick(_instanceId), Self);
    }

    private void ReturnPermit()
    {
        if (_holdsPermit)
        {
            _holdsPermit = false;
            Persistence.Permitter.Return();
        }
    }

    private void ReleaseRecoveryResources()
    {
        _recoveryTimer?.Cancel();
        _recoveryTimer = null;
        _permitRequest?.Dispose();
        _permitRequest = null;
        ReturnPermit();
    }

    // ------------------------------------------------------------------ writing

    private void EnsureNotRecovering(string operation)
    {
        if (_phase != Phase.Processing)
        {
            throw new InvalidOperationException($"{operation} is not allowed during recovery of persistenceId [{PersistenceId}]; persist from a command handler or on RecoveryCompleted");
        }
    }

    private void AddWrite<TEvent>(IReadOnlyList<TEvent> events, Action<TEvent> handler, bool stashing) where TEvent : notnull
    {
        ArgumentNullException.ThrowIfNull(handler);
        EnsureNotRecovering("Persist");
        if (events.Count == 0)
        {
            return;
        }
        var reprs = new List<PersistentRepr>(events.Count);
        foreach (var evt in events)
        {
            reprs.Add(new PersistentRepr(PersistenceId, ++_sequenceNr, evt, _writerUuid));
            _pendingInvocations.Enqueue(new PendingInvocation(evt, e => handler((TEvent)e), stashing));
            if (stashing)
            {
                _pendingStashing++;
            }
        }
        _eventBatch.Add(new BatchItem(new AtomicWrite(reprs), Sender));
    }

    private void FlushBatch()
    {
        if (_eventBatch.Count == 0)
        {
            return;
        }
        var batch = _eventBatch;
        _eventBatch = [];
        if (_writeInFlight)
        {
            _waitingBatches.Enqueue(batch);
        }
        else
        {
            SendBatch(batch);
        }
    }

    // One batch in flight at a time, so results come back in the order of the persist calls.
    private void SendBatch(List<BatchItem> batch)
    {
        _writeInFlight = true;
        var writes = batch.Where(b => b.Write is not null).Select(b => b.Write!).ToList();
        var journal = Journal;
        var self = Self;
        var id = _instanceId;
        _ = Task.Run(async () =>
        {
            IReadOnlyList<Exception?> results;
            try
            {
                results = writes.Count == 0 ? [] : await journal.WriteAsync(writes).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                self.Tell(new WriteBatchFailed(id, writes, e), self);
                return;
            }
            var w = 0;
            foreach (var item in batch)
            {
                // Each result is delivered with the command's sender, so Sender inside a persist handler is the original one.
                self.Tell(item.Write is null ? new DeferredReady(id) : new AtomicWriteResult(id, item.Write, results[w++]), item.Sender);
            }
            self.Tell(new WriteBatchDone(id), self);
        });
    }

    private void OnWriteResult(AtomicWriteResult result)
    {
        foreach (var repr in result.Write.Events)
        {
            var invocation = _pendingInvocations.Dequeue();
            if (invocation.Stashing)
            {
                _pendingStashing--;
            }
            if (result.Rejection is null)
            {
                LastSequenceNr = repr.SequenceNr;
                invocation.Run();
            }
            else
            {
                OnPersistRejected(result.Rejection, repr.Payload, repr.SequenceNr);
            }
        }
        if (_pendingStashing == 0)
        {
            _internalStash.UnstashAll();
        }
    }

    private void OnWriteBatchFailed(WriteBatchFailed failed)
    {
        _phase = Phase.Failed;
        try
        {
            foreach (var repr in failed.Writes.SelectMany(w => w.Events))
            {
                OnPersistFailure(failed.Cause, repr.Payload, repr.SequenceNr);
            }
        }
        finally
        {
            Context.Stop(Self);
        }
    }

    private void Reply(Func<Task> operation, Func<object> success, Func<Exception, object> failure)
    {
        var self = Self;
        _ = Task.Run(async () =>
        {
            try
            {
                await operation().ConfigureAwait(false);
                self.Tell(success(), self);
            }
            catch (Exception e)
            {
                self.Tell(failure(e), self);
            }
        });
    }

    private sealed record PendingInvocation(object Event, Action<object> Handler, bool Stashing)
    {
        public void Run() => Handler(Event);
    }

    private sealed record BatchItem(AtomicWrite? Write, IActorRef? Sender);
}
