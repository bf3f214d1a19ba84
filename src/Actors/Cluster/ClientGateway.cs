using Akka.Actor;
using HFedMoE.Actors.Rounds;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Cluster;

/// <summary>
/// The well-known actor of a client node (<c>/user/client-gateway</c>): the round coordinator,
/// having seen the node come up, asks it with <see cref="IdentifyClient"/> and gets the node's
/// client as a <see cref="RegisterClient"/> (profile and actor). Each new coordinator (after a
/// restart or a move of the singleton) asks again, so nothing on the client has to know where
/// the coordinator lives.
/// </summary>
public sealed class ClientGateway : ReceiveActor
{
    public ClientGateway(ClientProfile profile, IActorRef client)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(client);
        Receive<IdentifyClient>(_ => Sender.Tell(new RegisterClient(profile, client)));
    }

    public static Props Props(ClientProfile profile, IActorRef client) =>
        ActorFactory<ClientGateway>.Props(() => new ClientGateway(profile, client));
}
