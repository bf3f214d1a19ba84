using Microsoft.Extensions.Logging;

namespace HFedMoE.Runtime.Actor.Logging;

/// <summary>
/// An actor's logger (<c>Context.GetLogger()</c>): writes to Microsoft.Extensions.Logging with the
/// actor path as category, and publishes each line as a <see cref="Event.LogEvent"/> on the
/// EventStream so tests can assert on it.
/// </summary>
public interface ILoggingAdapter
{
    /// <summary>The log source (an actor path or a component name).</summary>
    string LogSource { get; }

    bool IsEnabled(LogLevel level);

    void Log(LogLevel level, Exception? cause, string message);

    void Debug(string message);

    void Info(string message);

    void Warning(string message);

    void Warning(Exception cause, string message);

    void Error(string message);

    void Error(Exception cause, string message);
}
