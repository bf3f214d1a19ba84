using Microsoft.Extensions.Logging;

namespace HFedMoE.Runtime.Actor.Event;

// For the TestKit (infra): every line logged through an actor's ILoggingAdapter
// (Context.GetLogger(), system.Log, supervisor failure logs, dead-letter logs) is published
// on system.EventStream as one LogEvent, at or above hfedmoe.actor.loglevel. Subscribe to
// typeof(LogEvent) to assert on them (EventFilter). LogSource is the actor path string.

/// <summary>One log line from an actor or the runtime, as published on the EventStream.</summary>
public sealed record LogEvent(LogLevel Level, string LogSource, string Message, Exception? Cause, DateTimeOffset Timestamp);
