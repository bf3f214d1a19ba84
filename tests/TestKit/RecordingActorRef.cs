using System.Collections.Concurrent;
using HFedMoE.Runtime.Actor;

namespace HFedMoE.TestKit.Tests;

/// <summary>A bare IActorRef that records what it is told, for testing parts that need no actor system.</summary>
internal sealed class RecordingActorRef(string name) : IActorRef
{
    private readonly ConcurrentQueue<(object Message, IActorRef? Sender)> _received = new();

    public ActorPath Path { get; } = ActorPath.Root(new Address(Address.DefaultProtocol, "test")).Child(name);

    public IReadOnlyList<object> Messages => _received.Select(r => r.Message).ToList();

    public IReadOnlyList<(object Message, IActorRef? Sender)> Received => _received.ToList();

    /// <summary>Runs on every Tell, on the telling thread (e.g. to complete a TaskCompletionSource).</summary>
    public Action<object>? OnTell { get; init; }

    public void Tell(object message, IActorRef? sender)
    {
        _received.Enqueue((message, sender));
        OnTell?.Invoke(message);
    }

    public bool Equals(IActorRef? other) => ReferenceEquals(this, other);

    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);

    public override string ToString() => Path.ToString();
}
