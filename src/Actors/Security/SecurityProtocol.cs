using Akka.Actor;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Security;

// The federation gate's messages; their wire forms are Protos/security.proto, written by
// Serialization/SecuritySerializer (bound in hocon/reference.conf).

/// <summary>
/// A client asks the server's <see cref="FederationGate"/> to join as <c>Profile.ClientId</c>,
/// proving it with its join token. The sender is the client actor: it gets its plans from, and
/// sends its updates to, the session the gate opens for it. Replies <see cref="JoinAccepted"/> or
/// <see cref="JoinRefused"/>.
/// </summary>
public sealed record JoinFederation(ClientProfile Profile, string Token);

/// <summary><paramref name="Session"/>: where the client's updates go.</summary>
public sealed record JoinAccepted(string ClientId, IActorRef Session);

public sealed record JoinRefused(string ClientId, string Reason);
