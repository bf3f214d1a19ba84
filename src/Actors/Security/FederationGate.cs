using Akka.Actor;
using Akka.Event;
using HFedMoE.Actors.Rounds;

namespace HFedMoE.Actors.Security;

/// <summary>
/// The server's entry point for remote clients (transport security comes first: see
/// <see cref="RemoteTls"/>). A <see cref="JoinFederation"/> whose token proves its client id opens
/// a <see cref="ClientSession"/> bound to the actor that sent it, and that session, not the remote
/// actor, is registered with the round manager: plans go out through it, and it lets through only
/// updates sent by that actor, in that client's name, for experts it was assigned. A wrong token
/// is refused and logged; a valid join of an id already in session (the client restarted) closes
/// the old session first, which the round manager sees as the old client stopping.
/// </summary>
public sealed class FederationGate : ReceiveActor
{
    private readonly IActorRef _manager;
    private readonly JoinTokens _tokens;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, IActorRef> _sessions = new(StringComparer.Ordinal);
    private long _opened;

    public FederationGate(IActorRef manager, JoinTokens tokens)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(tokens);
        _manager = manager;
        _tokens = tokens;
        Receive<JoinFederation>(Join);
        Receive<Terminated>(t =>
        {
            foreach (var id in _sessions.Where(s => s.Value.Equals(t.ActorRef)).Select(s => s.Key).ToList())
            {
                _sessions.Remove(id);
            }
        });
    }

    public static Props Props(IActorRef manager, JoinTokens tokens) =>
        ActorFactory<FederationGate>.Props(() => new FederationGate(manager, tokens));

    private void Join(JoinFederation join)
    {
        string id = join.Profile.ClientId;
        if (!_tokens.Verify(id, join.Token))
        {
            string reason = $"the join token does not prove client id '{id}'";
            _log.Warning("Refused a join from {0}: {1}", Sender.Path, reason);
            Sender.Tell(new JoinRefused(id, reason));
            return;
        }
        if (_sessions.Remove(id, out var old))
        {
            Context.Unwatch(old);
            Context.Stop(old);
        }
        // A fresh name for each session: a stopped child's name is freed only later.
        var session = Context.ActorOf(ClientSession.Props(id, Sender, _manager), $"session-{Uri.EscapeDataString(id)}-{++_opened}");
        Context.Watch(session);
        _sessions[id] = session;
        _manager.Tell(new RegisterClient(join.Profile, session));
        Sender.Tell(new JoinAccepted(id, session));
    }
}
