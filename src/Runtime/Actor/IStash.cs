using HFedMoE.Runtime.Actor.Dispatch;

namespace HFedMoE.Runtime.Actor;

/// <summary>
/// Sets messages aside to process later (e.g. while waiting for a resource). Unstashed messages
/// are put back at the FRONT of the mailbox in their original order, before anything newer.
/// Stashed messages survive a restart (re-queued first) and go to dead letters on stop.
/// </summary>
public interface IStash
{
    /// <summary>Number of stashed messages.</summary>
    int Count { get; }

    /// <summary>Stashes the message being processed. Stashing the same message twice throws <see cref="IllegalActorStateException"/>.</summary>
    void Stash();

    /// <summary>Returns the oldest stashed message to the front of the mailbox.</summary>
    void Unstash();

    /// <summary>Returns all stashed messages to the front of the mailbox, oldest first.</summary>
    void UnstashAll();

    /// <summary>Returns the stashed messages matching <paramref name="predicate"/>; the others stay stashed.</summary>
    void UnstashAll(Func<Envelope, bool> predicate);

    /// <summary>Empties the stash and returns what it held, oldest first.</summary>
    IReadOnlyList<Envelope> ClearStash();

    /// <summary>Puts <paramref name="envelopes"/> in front of the stash (oldest first).</summary>
    void Prepend(IEnumerable<Envelope> envelopes);
}
