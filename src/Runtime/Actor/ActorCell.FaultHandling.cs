using System.Runtime.ExceptionServices;
using HFedMoE.Runtime.Actor.Dispatch;

namespace HFedMoE.Runtime.Actor;

/// <summary>
/// Failure, restart and stop. A failing actor suspends itself and its children and reports
/// <c>Failed</c> to its parent, whose strategy answers with Resume, Recreate (restart) or
/// Terminate, or rethrows (escalate). A restart waits until the children stopped by PreRestart
/// are gone, then builds a new instance from Props on the SAME mailbox; the failing message is
/// not retried. Stopping stops the children first, then runs PostStop, then notifies watchers.
/// </summary>
internal sealed partial class ActorCell
{
    private bool _failed;

    private void HandleInvokeFailure(Exception cause)
    {
        if (_terminating)
        {
            LogError(cause, $"[{Self.Path}] failed while stopping: {cause.Message}");
            return;
        }
        if (_failed)
        {
            // Already waiting for the supervisor's answer about an earlier failure.
            return;
        }
        _failed = true;
        _awaitingTask = false;
        Extras.FailedMessage = _current.Message;
        _suspendCount++;
        SuspendChildren();
        if (_parent is null)
        {
            LogError(cause, $"The root guardian failed: {cause.Message}; terminating the actor system");
            _ = System.Terminate();
            return;
        }
        _parent.SendSystemMessage(new Failed(SelfRef, cause, SelfRef.Path.Uid));
    }

    private void HandleFailedChild(Failed failed)
    {
        var stats = GetChildStats(failed.Child);
        if (stats is null || stats.Child.Cell.StopRequested)
        {
            return;
        }
        var strategy = _extras?.Strategy ?? (Extras.Strategy = Props.SupervisorStrategy ?? _actor?.SupervisorStrategyInternal() ?? SupervisorStrategy.DefaultStrategy);
        if (!strategy.HandleFailure(this, stats, failed.Cause))
        {
            // Escalate: fail as if this actor had thrown the child's exception.
            ExceptionDispatchInfo.Capture(failed.Cause).Throw();
        }
    }

    private void FaultSuspend()
    {
        _suspendCount++;
        SuspendChildren();
    }

    private void FaultResume(bool causedByFailure)
    {
        if (_actor is null && causedByFailure)
        {
            // Resuming an actor whose constructor failed would leave it without an instance.
            FaultRecreate(new ActorInitializationException(Self, "resumed after a failed creation", null));
            return;
        }
        if (causedByFailure)
        {
            _failed = false;
            if (_extras is not null)
            {
                _extras.FailedMessage = null;
            }
        }
        if (_suspendCount > 0)
        {
            _suspendCount--;
        }
        ResumeChildren();
    }

    private void FaultRecreate(Exception cause)
    {
        if (_terminating)
        {
            return;
        }
        // A pending async handler of the old instance no longer holds the mailbox.
        _asyncGeneration++;
        _awaitingTask = false;
        var failedActor = _actor;
        if (failedActor is not null)
        {
            var message = _extras?.FailedMessage;
            try
            {
                failedActor.AroundPreRestart(cause, message);
            }
            catch (Exception e)
            {
                LogError(e, $"PreRestart of [{Self.Path}] failed: {e.Message}");
            }
            finally
            {
                ResetInstanceState(requeueStash: true);
            }
        }
        Extras.PendingRecreate = cause;
        if (!HasStoppingChildren)
        {
            FinishRecreate();
        }
    }

    private void FinishRecreate()
    {
        var cause = _extras!.PendingRecreate!;
        _extras.PendingRecreate = null;
        _failed = false;
        _extras.FailedMessage = null;
        _current = default;
        _actor = null;
        if (_suspendCount > 0)
        {
            _suspendCount--;
        }
        try
        {
            _actor = NewActor();
            _actor.AroundPostRestart(cause);
        }
        catch (Exception e)
        {
            HandleInvokeFailure(new ActorInitializationException(Self, $"exception during restart of [{Self.Path}]: {e.Message}", e));
            return;
        }
        // Children that PreRestart kept are restarted too (they were suspended with us).
        foreach (var c in ChildStatsSnapshot())
        {
            c.Child.Cell.SendSystemMessage(new Recreate(cause));
        }
    }

    /// <summary>Drops behaviour, timers and receive timeout of the instance being replaced or stopped.</summary>
    private void ResetInstanceState(bool requeueStash)
    {
        _behavior = null;
        if (_extras is not { } x)
        {
            return;
        }
        x.BehaviorStack?.Clear();
        x.Timers?.CancelAll();
        CancelReceiveTimeout();
        x.ReceiveTimeout = null;
        x.Strategy = null;
        if (x.Stashes is { } stashes)
        {
            foreach (var stash in stashes)
            {
                var items = stash.ClearStash();
                if (requeueStash)
                {
                    PrependUserMessages(items);
                }
                else
                {
                    foreach (var e in items)
                    {
                        System.DeadLetterRef.Publish(e.Message, e.Sender, SelfRef);
                    }
                }
            }
            stashes.Clear();
        }
    }

    private void StartTerminate()
    {
        if (_terminating)
        {
            return;
        }
        _terminating = true;
        UnwatchWatchedActors();
        CancelReceiveTimeout();
        _extras?.Timers?.CancelAll();
        StopAllChildren();
        if (!HasChildren)
        {
            FinishTerminate();
        }
    }

    private void OnChildTerminated()
    {
        if (_terminating)
        {
            if (!HasChildren)
            {
                FinishTerminate();
            }
        }
        else if (_extras?.PendingRecreate is not null && !HasStoppingChildren)
        {
            FinishRecreate();
        }
    }

    private void FinishTerminate()
    {
        var actor = _actor;
        try
        {
            if (actor is not null)
            {
                actor.AroundPostStop();
            }
        }
        catch (Exception e)
        {
            LogError(e, $"PostStop of [{Self.Path}] failed: {e.Message}");
        }
        finally
        {
            ResetInstanceState(requeueStash: false);
            _actor = null;
            _awaitingTask = false;
            Interlocked.Or(ref _status, ClosedFlag);
            DrainUserQueueToDeadLetters();
            NotifyWatchersOfTermination();
            System.EventStream.Unsubscribe(SelfRef);
            DrainSystemMessagesOfClosedCell();
        }
    }
}
