using Akka.Actor;
using HFedMoE.Actors.Security;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Cluster;

/// <summary>
/// The well-known actor of a client node (<c>/user/client-gateway</c>): the round coordinator,
/// having seen the node come up, asks it with <see cref="IdentifyClient"/> and gets the node's
/// client as a <see cref="GatewayJoin"/> (profile, actor, and a proof of the client's join token
/// over the coordinator's challenge and the actor's path; the token itself never leaves the node,
/// so any member may ask without learning it). The coordinator answers <see cref="JoinAccepted"/>
/// or <see cref="JoinRefused"/>, which the gateway reports. Each new coordinator (after a restart
/// or a move of the singleton) asks again, so nothing on the client has to know where the
/// coordinator lives.
/// </summary>
public sealed class ClientGateway : ReceiveActor
{
    private IActorRef? _session;

    /// <param name="token">The client's join token (hfedmoe.security.join-token); null or "": none (a coordinator with a join secret refuses the client).</param>
    /// <param name="report">One line when the coordinator accepts the client into a new session or refuses it (null: nothing).</param>
    public ClientGateway(ClientProfile profile, IActorRef client, string? token = null, Action<string>? report = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(client);
        var print = report ?? (_ => { });
        Receive<IdentifyClient>(ask =>
        {
            string proof = string.IsNullOrEmpty(token) ? "" : JoinTokens.Prove(token, ask.Challenge, Akka.Serialization.Serialization.SerializedActorPath(client));
            Sender.Tell(new GatewayJoin(profile, client, proof));
        });
        Receive<JoinAccepted>(a =>
        {
            if (!a.Session.Equals(_session))
            {
                _session = a.Session;
                print($"client {profile.ClientId}: registered by the round coordinator on {Sender.Path.Address}");
            }
        });
        Receive<JoinRefused>(r =>
        {
            _session = null;
            print($"client {profile.ClientId}: refused by the round coordinator on {Sender.Path.Address}: {r.Reason}");
        });
    }

    public static Props Props(ClientProfile profile, IActorRef client, string? token = null, Action<string>? report = null) =>
        ActorFactory<ClientGateway>.Props(() => new ClientGateway(profile, client, token, report));
}
