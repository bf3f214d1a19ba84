using HFedMoE.Runtime.Actor.Event;
using Microsoft.Extensions.Logging;

namespace HFedMoE.Runtime.Actor;

/// <summary>
/// <c>/deadLetters</c>: receives messages whose recipient is gone, publishes them as
/// <see cref="DeadLetter"/> on the EventStream and logs the first
/// <c>hfedmoe.actor.log-dead-letters</c> of them at Info, then pauses logging for
/// <c>log-dead-letters-suspend-duration</c>.
/// </summary>
internal sealed class DeadLetterActorRef(ActorSystem system, ActorPath path) : IActorRef, IInternalActorRef
{
    private readonly object _logGate = new();
    private int _logged;
    private TimeSpan? _suspendedUntil;

    public ActorPath Path { get; } = path;

    public ActorSystem System { get; } = system;

    public bool IsTerminated => false;

    public void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        Publish(message is DeadLetter d ? d : new DeadLetter(message, sender, this));
    }

    /// <summary>Publishes a message that could not reach <paramref name="recipient"/>.</summary>
    public void Publish(object message, IActorRef? sender, IActorRef recipient) => Publish(new DeadLetter(message, sender, recipient));

    private void Publish(DeadLetter letter)
    {
        // An Identify sent to nobody still gets its answer, like in Akka.
        if (letter.Message is Identify identify && letter.Sender is not null)
        {
            letter.Sender.Tell(new ActorIdentity(identify.MessageId, null), this);
            return;
        }
        System.EventStream.Publish(letter);
        MaybeLog(letter);
    }

    private void MaybeLog(DeadLetter letter)
    {
        var settings = System.Settings;
        if (settings.LogDeadLetters <= 0 || letter.Message is IDeadLetterSuppression)
        {
            return;
        }
        if (System.IsTerminating && !settings.LogDeadLettersDuringShutdown)
        {
            return;
        }
        string? suffix = null;
        lock (_logGate)
        {
            var now = System.Scheduler.MonotonicClock;
            if (_suspendedUntil is { } until)
            {
                if (now < until)
                {
                    return;
                }
                _suspendedUntil = null;
                _logged = 0;
            }
            _logged++;
            if (_logged >= settings.LogDeadLetters)
            {
                _suspendedUntil = now + settings.LogDeadLettersSuspendDuration;
                suffix = $" No more dead letters will be logged for {settings.LogDeadLettersSuspendDuration} (hfedmoe.actor.log-dead-letters = {settings.LogDeadLetters}).";
            }
        }
        string sender = letter.Sender?.Path.ToString() ?? "NoSender";
        System.EmitLog(
            LogLevel.Information,
            Path.ToString(),
            $"Message [{letter.Message.GetType().Name}] from {sender} to {letter.Recipient.Path} was not delivered. [{_logged}] dead letters encountered.{suffix}",
            null);
    }

    public bool Equals(IActorRef? other) => other is DeadLetterActorRef d && ReferenceEquals(d, this);

    public override bool Equals(object? obj) => obj is IActorRef r && Equals(r);

    public override int GetHashCode() => Path.GetHashCode();

    public override string ToString() => $"[{Path}]";
}
