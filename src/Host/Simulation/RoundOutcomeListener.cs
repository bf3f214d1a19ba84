using System.Collections.Concurrent;
using HFedMoE.Actors.Rounds;
using Akka.Actor;

namespace HFedMoE.Host.Simulation;

/// <summary>
/// Subscribed to the round manager of a resumed run: hands each published round outcome
/// (<see cref="RoundCompleted"/>, <see cref="RoundClosed"/>) to the simulator's thread, which
/// waits for the round the crash left open to finish before it asks for more rounds.
/// </summary>
internal sealed class RoundOutcomeListener : ReceiveActor
{
    public RoundOutcomeListener(BlockingCollection<object> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        Receive<RoundCompleted>(outcomes.Add);
        Receive<RoundClosed>(outcomes.Add);
    }

    public static Props Props(BlockingCollection<object> outcomes) => Akka.Actor.Props.Create(() => new RoundOutcomeListener(outcomes));
}
