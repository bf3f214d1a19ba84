namespace HFedMoE.Runtime.Actor;

/// <summary>
/// Applies the decider's directive to every child of the supervisor: use it when siblings depend
/// on each other so tightly that one failing invalidates the others.
/// </summary>
public sealed class AllForOneStrategy : SupervisorStrategy
{
    /// <param name="maxNrOfRetries">Restarts allowed per child within <paramref name="withinTimeRange"/> (negative: unlimited); beyond it all children are stopped.</param>
    /// <param name="withinTimeRange">The retry window, measured with the scheduler's monotonic clock; null for none.</param>
    public AllForOneStrategy(int maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> decider, bool loggingEnabled = true)
        : base(maxNrOfRetries, withinTimeRange, decider, loggingEnabled)
    {
    }

    public AllForOneStrategy(Func<Exception, Directive> decider)
        : this(-1, null, decider)
    {
    }

    internal override void ProcessFailure(ActorCell parent, bool restart, ChildRestartStats failed, Exception cause)
    {
        var children = parent.ChildStatsSnapshot();
        var now = parent.System.Scheduler.MonotonicClock;
        bool allowed = restart;
        if (restart)
        {
            foreach (var c in children)
            {
                // Every child counts the restart (not short-circuited) so their windows stay in step.
                allowed &= c.RequestRestartPermission(MaxNrOfRetries, WithinTimeRange, now);
            }
        }
        foreach (var c in children)
        {
            if (allowed)
            {
                ActorCell.RestartChild(c.Child, cause, suspendFirst: !ReferenceEquals(c, failed));
            }
            else
            {
                parent.StopChild(c.Child);
            }
        }
    }
}
