using HFedMoE.Runtime.Configuration;
using Microsoft.Extensions.Logging;

namespace HFedMoE.Runtime.Actor;

/// <summary>The actor kernel's settings, read once from <c>hfedmoe.actor</c> and <c>hfedmoe.scheduler</c>.</summary>
public sealed class ActorSystemSettings
{
    internal ActorSystemSettings(Config config)
    {
        Config = config;
        var actor = config.GetConfig("hfedmoe.actor");
        AskTimeout = actor.GetTimeSpan("ask-timeout");
        LogLevel = ParseLogLevel(actor.GetString("loglevel"));
        LogDeadLetters = actor.GetInt("log-dead-letters");
        LogDeadLettersDuringShutdown = actor.GetBoolean("log-dead-letters-during-shutdown");
        LogDeadLettersSuspendDuration = actor.GetTimeSpan("log-dead-letters-suspend-duration");
        GuardianSupervisorStrategy = ParseGuardianStrategy(actor.GetString("guardian-supervisor-strategy"));
        SchedulerTickDuration = config.GetTimeSpan("hfedmoe.scheduler.tick-duration");
        SchedulerShutdownTimeout = config.GetTimeSpan("hfedmoe.scheduler.shutdown-timeout");
    }

    /// <summary>The full configuration (user config over reference.conf).</summary>
    public Config Config { get; }

    /// <summary>Default Ask timeout; <see cref="Timeout.InfiniteTimeSpan"/> means none (Akka's default).</summary>
    public TimeSpan AskTimeout { get; }

    /// <summary>Lowest level published as LogEvent / written to the logger.</summary>
    public LogLevel LogLevel { get; }

    /// <summary>Dead letters logged before logging pauses; 0 turns dead-letter logging off.</summary>
    public int LogDeadLetters { get; }

    public bool LogDeadLettersDuringShutdown { get; }

    public TimeSpan LogDeadLettersSuspendDuration { get; }

    /// <summary>How the /user guardian handles a failing top-level actor.</summary>
    public SupervisorStrategy GuardianSupervisorStrategy { get; }

    public TimeSpan SchedulerTickDuration { get; }

    public TimeSpan SchedulerShutdownTimeout { get; }

    // Escalating from /user reaches the root guardian, which stops /user and so terminates the
    // system: the "let it crash" choice for applications where any top-level failure is fatal.
    private static readonly SupervisorStrategy EscalatingStrategy = new OneForOneStrategy(_ => Directive.Escalate);

    internal static SupervisorStrategy ParseGuardianStrategy(string text) => text.Trim().ToLowerInvariant() switch
    {
        "default" => SupervisorStrategy.DefaultStrategy,
        "stopping" => SupervisorStrategy.StoppingStrategy,
        "escalating" => EscalatingStrategy,
        _ => throw new ConfigurationException($"hfedmoe.actor.guardian-supervisor-strategy = '{text}' is not a strategy: expected default, stopping or escalating"),
    };

    /// <summary>Accepts MEL names (Trace, Debug, Information, Warning, Error, Critical, None) and Akka's (DEBUG, INFO, WARNING, ERROR, OFF).</summary>
    internal static LogLevel ParseLogLevel(string text) => text.Trim().ToUpperInvariant() switch
    {
        "TRACE" => LogLevel.Trace,
        "DEBUG" => LogLevel.Debug,
        "INFO" or "INFORMATION" => LogLevel.Information,
        "WARN" or "WARNING" => LogLevel.Warning,
        "ERROR" => LogLevel.Error,
        "CRITICAL" => LogLevel.Critical,
        "OFF" or "NONE" => LogLevel.None,
        _ => throw new ConfigurationException($"hfedmoe.actor.loglevel = '{text}' is not a log level: expected DEBUG, INFO, WARNING, ERROR or OFF"),
    };
}
