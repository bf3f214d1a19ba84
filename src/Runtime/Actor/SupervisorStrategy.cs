using Microsoft.Extensions.Logging;

namespace HFedMoE.Runtime.Actor;

/// <summary>
/// How a parent handles its children's failures. The decider maps the exception to a
/// <see cref="Directive"/>; <see cref="OneForOneStrategy"/> applies it to the failed child only,
/// <see cref="AllForOneStrategy"/> to all children.
/// </summary>
public abstract class SupervisorStrategy
{
    protected SupervisorStrategy(int maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> decider, bool loggingEnabled)
    {
        ArgumentNullException.ThrowIfNull(decider);
        if (withinTimeRange is { } w && w <= TimeSpan.Zero && w != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(withinTimeRange), withinTimeRange, "withinTimeRange must be positive, or null for no window");
        }
        MaxNrOfRetries = maxNrOfRetries;
        WithinTimeRange = withinTimeRange == Timeout.InfiniteTimeSpan || withinTimeRange == TimeSpan.MaxValue ? null : withinTimeRange;
        Decider = decider;
        LoggingEnabled = loggingEnabled;
    }

    /// <summary>Restarts allowed within the window; negative means unlimited.</summary>
    public int MaxNrOfRetries { get; }

    /// <summary>The window in which <see cref="MaxNrOfRetries"/> counts; null means no window.</summary>
    public TimeSpan? WithinTimeRange { get; }

    public Func<Exception, Directive> Decider { get; }

    /// <summary>Whether Restart/Stop/Resume decisions are logged (with the exception).</summary>
    public bool LoggingEnabled { get; }

    /// <summary>
    /// Akka's default: Stop on <see cref="ActorInitializationException"/>,
    /// <see cref="ActorKilledException"/> and <see cref="DeathPactException"/>; Restart on anything else.
    /// </summary>
    public static Directive DefaultDecider(Exception cause) => cause switch
    {
        ActorInitializationException => Directive.Stop,
        ActorKilledException => Directive.Stop,
        DeathPactException => Directive.Stop,
        _ => Directive.Restart,
    };

    /// <summary>One-for-one, unlimited restarts, <see cref="DefaultDecider"/>.</summary>
    public static SupervisorStrategy DefaultStrategy { get; } = new OneForOneStrategy(DefaultDecider);

    /// <summary>Stops the failed child whatever the exception.</summary>
    public static SupervisorStrategy StoppingStrategy { get; } = new OneForOneStrategy(_ => Directive.Stop);

    /// <summary>Applies a Restart or Stop decision (<paramref name="restart"/>) to the children it concerns.</summary>
    internal abstract void ProcessFailure(ActorCell parent, bool restart, ChildRestartStats failed, Exception cause);

    /// <summary>Decides and acts on a child's failure; false means escalate.</summary>
    internal bool HandleFailure(ActorCell parent, ChildRestartStats failed, Exception cause)
    {
        var directive = Decider(cause);
        switch (directive)
        {
            case Directive.Resume:
                LogFailure(parent, failed.Child, cause, directive);
                ActorCell.ResumeChild(failed.Child);
                return true;
            case Directive.Restart:
                LogFailure(parent, failed.Child, cause, directive);
                ProcessFailure(parent, restart: true, failed, cause);
                return true;
            case Directive.Stop:
                LogFailure(parent, failed.Child, cause, directive);
                ProcessFailure(parent, restart: false, failed, cause);
                return true;
            default:
                return false;
        }
    }

    private void LogFailure(ActorCell parent, LocalActorRef child, Exception cause, Directive directive)
    {
        if (!LoggingEnabled)
        {
            return;
        }
        var level = directive == Directive.Resume ? LogLevel.Warning : LogLevel.Error;
        parent.System.EmitLog(level, child.Path.ToString(), $"{cause.GetType().Name}: {cause.Message} (supervisor decision: {directive})", cause);
    }
}
