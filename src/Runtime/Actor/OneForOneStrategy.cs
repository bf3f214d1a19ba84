namespace HFedMoE.Runtime.Actor;

/// <summary>Applies the decider's directive to the failed child only.</summary>
public sealed class OneForOneStrategy : SupervisorStrategy
{
    /// <param name="maxNrOfRetries">Restarts allowed within <paramref name="withinTimeRange"/> (negative: unlimited); beyond it the child is stopped.</param>
    /// <param name="withinTimeRange">The retry window, measured with the scheduler's monotonic clock; null for none.</param>
    public OneForOneStrategy(int maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> decider, bool loggingEnabled = true)
        : base(maxNrOfRetries, withinTimeRange, decider, loggingEnabled)
    {
    }

    public OneForOneStrategy(Func<Exception, Directive> decider)
        : this(-1, null, decider)
    {
    }

    internal override void ProcessFailure(ActorCell parent, bool restart, ChildRestartStats failed, Exception cause)
    {
        if (restart && failed.RequestRestartPermission(MaxNrOfRetries, WithinTimeRange, parent.System.Scheduler.MonotonicClock))
        {
            ActorCell.RestartChild(failed.Child, cause, suspendFirst: false);
        }
        else
        {
            parent.StopChild(failed.Child);
        }
    }
}
