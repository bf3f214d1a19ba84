using HFedMoE.Actors.Aggregation;
using HFedMoE.Actors.Protocol;
using Akka.Actor;

namespace HFedMoE.Actors.Tests.Rounds;

/// <summary>What a tap saw: a message the round manager sent to the aggregator of <paramref name="Slot"/> (null: gating).</summary>
internal sealed record Tapped((int Layer, int Expert)? Slot, object Message);

/// <summary>
/// Stands between the round manager and a real aggregator (its child): tells the observer every
/// message the manager sends, passes it on, and passes the answers back as its own.
/// </summary>
internal sealed class TapAggregator : ReceiveActor
{
    public TapAggregator(Props real, (int Layer, int Expert)? slot, IActorRef observer)
    {
        var inner = Context.ActorOf(real, "real");
        ReceiveAny(m =>
        {
            if (Sender.Equals(inner))
            {
                Context.Parent.Tell(m, Self);
                return;
            }
            observer.Tell(new Tapped(slot, m));
            inner.Tell(m, Self);
        });
    }

    public static Props For((int Layer, int Expert)? slot, IActorRef observer)
    {
        var real = slot is { } s ? ExpertAggregator.PropsFor(s.Layer, s.Expert) : GatingAggregator.PropsFor();
        return Props.Create(() => new TapAggregator(real, slot, observer));
    }
}

/// <summary>An aggregator that opens rounds but refuses every share it is sent.</summary>
internal sealed class RefusingAggregator : ReceiveActor
{
    public RefusingAggregator()
    {
        Receive<OpenRound>(o => Sender.Tell(new AggregatorReady(o.Round, o.Model.Version)));
        Receive<GatingShare>(s => Sender.Tell(new SliceRejected { Round = s.Update.Round, ModelVersion = s.Update.ModelVersion, ClientId = s.Update.ClientId, Kind = UpdateKind.Gating, Reason = "refused by the stand-in" }));
        Receive<ExpertShare>(s => Sender.Tell(new SliceRejected { Round = s.Update.Round, ModelVersion = s.Update.ModelVersion, ClientId = s.Update.ClientId, Kind = UpdateKind.Expert, Layer = s.Update.Layer, Expert = s.Update.Expert, Reason = "refused by the stand-in" }));
    }
}

/// <summary>An aggregator that opens rounds and fails on the first share it is sent.</summary>
internal sealed class CrashingAggregator : ReceiveActor
{
    public CrashingAggregator()
    {
        Receive<OpenRound>(o => Sender.Tell(new AggregatorReady(o.Round, o.Model.Version)));
        Receive<GatingShare>(_ => throw new InvalidOperationException("the stand-in aggregator fails"));
    }
}
