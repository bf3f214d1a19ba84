using HFedMoE.Runtime.Actor;

namespace HFedMoE.Actors.Rounds;

/// <summary>
/// Watches the clients for the round manager and tells it, as an ordinary message, when one
/// stops. Why not watch them directly: a death notice that reaches a persistent actor while it
/// is persisting is stashed, and the runtime's stash does not redeliver it (the notice is
/// consumed when first dequeued), so the drop would be lost. A plain message stashes safely.
/// </summary>
internal sealed class ClientWatcher : ReceiveActor
{
    public ClientWatcher()
    {
        Receive<WatchClient>(w => Context.WatchWith(w.Client, new ClientTerminated(w.ClientId, w.Client)));
        Receive<ClientTerminated>(t => Context.Parent.Tell(t, Self));
    }
}

/// <summary>Watch <paramref name="Client"/> on behalf of the parent.</summary>
internal sealed record WatchClient(string ClientId, IActorRef Client);

/// <summary>The client with this id and ref stopped (a client that re-registered under the id has another ref).</summary>
internal sealed record ClientTerminated(string ClientId, IActorRef Client);
