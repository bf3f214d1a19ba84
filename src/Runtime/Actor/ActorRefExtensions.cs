namespace HFedMoE.Runtime.Actor;

/// <summary>Sending helpers for references.</summary>
public static class ActorRefExtensions
{
    /// <summary>
    /// Sends with the implicit sender: the actor whose message is being processed on this thread
    /// (like Akka's <c>Tell(msg)</c> inside an actor), or no sender outside actors.
    /// </summary>
    public static void Tell(this ICanTell target, object message)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Tell(message, ActorCell.Current?.Self);
    }

    /// <summary>
    /// Sends <paramref name="message"/> keeping the sender of the message being processed (call it
    /// from inside an actor; elsewhere the message has no sender).
    /// </summary>
    public static void Forward(this IActorRef target, object message)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Tell(message, ActorCell.Current?.CurrentSender);
    }
}
