using HFedMoE.Runtime.Actor;
using HFedMoE.Runtime.Actor.Event;
using Microsoft.Extensions.Logging;

namespace HFedMoE.TestKit;

/// <summary>
/// Builds assertions on what the actor system publishes while a block of test code runs:
/// <c>EventFilter.Exception&lt;InvalidOperationException&gt;().ExpectOne(() =&gt; actor.Tell(...))</c>,
/// <c>EventFilter.DeadLetter&lt;Ping&gt;().ExpectOne(...)</c>,
/// <c>EventFilter.Warning(contains: "slow").Expect(2, ...)</c>. Log events are the
/// <see cref="LogEvent"/>s every log line publishes on the EventStream.
/// </summary>
/// <remarks>
/// For the text conditions, every one given must hold: <c>message</c> is an exact match,
/// <c>start</c> a prefix, <c>contains</c> a substring; <c>source</c> must equal the LogSource
/// (the logging actor's path). Nothing is muted: matching events are still logged.
/// </remarks>
public sealed class EventFilterFactory
{
    private readonly EventStream _stream;
    private readonly Address _address;
    private readonly TestKitSettings _settings;

    public EventFilterFactory(EventStream stream, Address address, TestKitSettings settings)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(settings);
        _stream = stream;
        _address = address;
        _settings = settings;
    }

    /// <summary>Log events whose cause is a <typeparamref name="T"/>; the text conditions apply to the log message or the exception's message.</summary>
    public EventFilterApplier Exception<T>(string? message = null, string? start = null, string? contains = null, string? source = null)
        where T : Exception => Exception(typeof(T), message, start, contains, source);

    /// <inheritdoc cref="Exception{T}"/>
    public EventFilterApplier Exception(Type exceptionType, string? message = null, string? start = null, string? contains = null, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(exceptionType);
        if (!typeof(Exception).IsAssignableFrom(exceptionType))
        {
            throw new ArgumentException($"{exceptionType} is not an exception type", nameof(exceptionType));
        }
        var text = new TextCondition(message, start, contains);
        return Applier<LogEvent>(
            $"Exception<{exceptionType.Name}>{text}",
            e => e.Cause is { } cause && exceptionType.IsInstanceOfType(cause)
                && (source is null || e.LogSource == source)
                && (text.Matches(e.Message) || text.Matches(cause.Message)));
    }

    /// <summary>Error (and Critical) log events.</summary>
    public EventFilterApplier Error(string? message = null, string? start = null, string? contains = null, string? source = null) =>
        Level("Error", l => l is LogLevel.Error or LogLevel.Critical, message, start, contains, source);

    /// <summary>Warning log events.</summary>
    public EventFilterApplier Warning(string? message = null, string? start = null, string? contains = null, string? source = null) =>
        Level("Warning", l => l == LogLevel.Warning, message, start, contains, source);

    /// <summary>Information log events.</summary>
    public EventFilterApplier Info(string? message = null, string? start = null, string? contains = null, string? source = null) =>
        Level("Info", l => l == LogLevel.Information, message, start, contains, source);

    /// <summary>Debug (and Trace) log events; they are only published at <c>hfedmoe.actor.loglevel</c> Debug or below.</summary>
    public EventFilterApplier Debug(string? message = null, string? start = null, string? contains = null, string? source = null) =>
        Level("Debug", l => l is LogLevel.Debug or LogLevel.Trace, message, start, contains, source);

    /// <summary><see cref="Runtime.Actor.Event.DeadLetter"/>s whose message is a <typeparamref name="T"/> (and matches <paramref name="isMatch"/>).</summary>
    public EventFilterApplier DeadLetter<T>(Func<T, bool>? isMatch = null) =>
        Applier<DeadLetter>($"DeadLetter<{typeof(T).Name}>", d => d.Message is T t && (isMatch is null || isMatch(t)));

    /// <summary>Any event of type <typeparamref name="T"/> on the EventStream matching <paramref name="isMatch"/>.</summary>
    public EventFilterApplier Custom<T>(Func<T, bool>? isMatch = null) =>
        Applier<T>($"Custom<{typeof(T).Name}>", e => isMatch is null || isMatch(e));

    private EventFilterApplier Level(string name, Func<LogLevel, bool> level, string? message, string? start, string? contains, string? source)
    {
        var text = new TextCondition(message, start, contains);
        return Applier<LogEvent>(
            name + text,
            e => level(e.Level) && (source is null || e.LogSource == source) && text.Matches(e.Message));
    }

    private EventFilterApplier Applier<T>(string description, Func<T, bool> isMatch) =>
        new(_stream, _address, _settings, typeof(T), description, o => o is T t && isMatch(t));

    private readonly record struct TextCondition(string? Message, string? Start, string? Contains)
    {
        public bool Matches(string? text) =>
            (Message is null || text == Message)
            && (Start is null || (text?.StartsWith(Start, StringComparison.Ordinal) ?? false))
            && (Contains is null || (text?.Contains(Contains, StringComparison.Ordinal) ?? false));

        public override string ToString()
        {
            var parts = new List<string>();
            if (Message is not null)
            {
                parts.Add($"message == \"{Message}\"");
            }
            if (Start is not null)
            {
                parts.Add($"starts with \"{Start}\"");
            }
            if (Contains is not null)
            {
                parts.Add($"contains \"{Contains}\"");
            }
            return parts.Count == 0 ? string.Empty : "(" + string.Join(", ", parts) + ")";
        }
    }
}
