namespace HFedMoE.Runtime.Actor;

/// <summary>The reference to an actor in this process: a path plus the cell that runs it.</summary>
internal sealed class LocalActorRef(ActorCell cell, ActorPath path) : IActorRef, IInternalActorRef
{
    public ActorCell Cell { get; } = cell;

    public ActorPath Path { get; } = path;

    public ActorSystem System => Cell.System;

    public bool IsTerminated => Cell.IsClosed;

    public void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        Cell.SendMessage(message, sender);
    }

    public bool Equals(IActorRef? other) => other is not null && (ReferenceEquals(this, other) || (other.Path.Uid == Path.Uid && other.Path.Equals(Path)));

    public override bool Equals(object? obj) => obj is IActorRef r && Equals(r);

    public override int GetHashCode() => Path.Uid;

    public override string ToString() => $"[{Path.ToStringWithUid()}]";
}
