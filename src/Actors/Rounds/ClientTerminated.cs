using Akka.Actor;

namespace HFedMoE.Actors.Rounds;

/// <summary>
/// The round manager's death notice for a client (via WatchWith): the client with this id and
/// ref stopped (a client that re-registered under the id has another ref).
/// </summary>
internal sealed record ClientTerminated(string ClientId, IActorRef Client) : INoSerializationVerificationNeeded;
