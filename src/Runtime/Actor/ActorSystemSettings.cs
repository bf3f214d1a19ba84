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

    public TimeSpan SchedulerTickDuration { get; }

    public TimeSpan SchedulerShutdownTimeout { get; }

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
