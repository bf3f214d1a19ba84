using Akka.Actor;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Security;

// The federation gate's and the cluster's join messages; their wire forms are Protos/security.proto, written by
// Serialization/SecuritySerializer (bound in hocon/reference.conf).

/// <summary>
/// A client asks the server's <see cref="FederationGate"/> to join as <c>Profile.ClientId</c>,
/// proving it with its join token. The sender is the client actor: it gets its plans from, and
/// sends its updates to, the session the gate opens for it. Replies <see cref="JoinAccepted"/> or
/// <see cref="JoinRefused"/>.
/// </summary>
public sealed record JoinFederation(ClientProfile Profile, string Token);

/// <summary>
/// A client node's <c>ClientGateway</c> answers the round coordinator's <c>IdentifyClient</c>:
/// <paramref name="Client"/> joins as <c>Profile.ClientId</c>, and <paramref name="Proof"/> is
/// <see cref="JoinTokens.Prove"/> of the client's join token over the coordinator's challenge and
/// the client's serialized path ("" on a node without a token). Replies <see cref="JoinAccepted"/>
/// or <see cref="JoinRefused"/> to the gateway.
/// </summary>
public sealed record GatewayJoin(ClientProfile Profile, IActorRef Client, string Proof);

/// <summary><paramref name="Session"/>: where the client's updates go.</summary>
public sealed record JoinAccepted(string ClientId, IActorRef Session);

public sealed record JoinRefused(string ClientId, string Reason);
