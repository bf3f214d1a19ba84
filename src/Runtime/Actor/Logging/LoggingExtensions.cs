namespace HFedMoE.Runtime.Actor.Logging;

/// <summary>Gets loggers whose source is an actor's path.</summary>
public static class LoggingExtensions
{
    /// <summary>A logger for the actor owning <paramref name="context"/> (keep it in a field).</summary>
    public static ILoggingAdapter GetLogger(this IActorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new BusLogging(context.System, context.Self.Path.ToString());
    }

    /// <summary>A logger for a component of <paramref name="system"/> named <paramref name="logSource"/>.</summary>
    public static ILoggingAdapter GetLogger(this ActorSystem system, string logSource)
    {
        ArgumentNullException.ThrowIfNull(system);
        return new BusLogging(system, logSource);
    }
}
