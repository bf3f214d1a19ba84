using HFedMoE.Runtime.Actor.Event;
using Microsoft.Extensions.Logging;

namespace HFedMoE.Runtime.Actor.Logging;

/// <summary>The <see cref="ILoggingAdapter"/> every actor gets: MEL logger + EventStream.</summary>
internal sealed class BusLogging(ActorSystem system, string logSource) : ILoggingAdapter
{
    private readonly ILogger _logger = system.LoggerFactory.CreateLogger(logSource);

    public string LogSource { get; } = logSource;

    public bool IsEnabled(LogLevel level) => level >= system.Settings.LogLevel && level != LogLevel.None;

    public void Log(LogLevel level, Exception? cause, string message)
    {
        if (!IsEnabled(level))
        {
            return;
        }
        if (_logger.IsEnabled(level))
        {
            _logger.Log(level, cause, "{Message}", message);
        }
        system.EventStream.Publish(new LogEvent(level, LogSource, message, cause, system.Scheduler.Now));
    }

    public void Debug(string message) => Log(LogLevel.Debug, null, message);

    public void Info(string message) => Log(LogLevel.Information, null, message);

    public void Warning(string message) => Log(LogLevel.Warning, null, message);

    public void Warning(Exception cause, string message) => Log(LogLevel.Warning, cause, message);

    public void Error(string message) => Log(LogLevel.Error, null, message);

    public void Error(Exception cause, string message) => Log(LogLevel.Error, cause, message);
}
