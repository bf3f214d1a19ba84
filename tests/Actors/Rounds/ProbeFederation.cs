using HFedMoE.Actors.Rounds;
using HFedMoE.Runtime.Actor;
using HFedMoE.TestKit;

namespace HFedMoE.Actors.Tests.Rounds;

/// <summary>A round manager under test, its probe clients, and a probe subscribed to its round outcomes.</summary>
internal sealed record ProbeFederation(IActorRef Manager, TestProbe[] Clients, TestProbe Subscriber)
{
    /// <summary>
    /// Starts <paramref name="props"/> (under a <see cref="RestartingParent"/> when
    /// <paramref name="supervised"/>, so that Kill restarts it) and subscribes a new probe named
    /// <paramref name="subscriberName"/> to its outcomes.
    /// </summary>
    public static ProbeFederation Start(HFedMoE.TestKit.TestKit kit, Props props, TestProbe[] clients, string subscriberName, bool supervised)
    {
        IActorRef manager;
        if (supervised)
        {
            kit.Send(kit.ActorOf(() => new RestartingParent(props)), "child?");
            manager = kit.ExpectMsg<IActorRef>();
        }
        else
        {
            manager = kit.ActorOf(props);
        }
        var subscriber = kit.CreateTestProbe(subscriberName);
        manager.Tell(new SubscribeRounds(subscriber.Ref), kit.TestActor);
        return new ProbeFederation(manager, clients, subscriber);
    }

    /// <summary>The registrations of <paramref name="clients"/> as the tiny federation's clients 0, 1, ...</summary>
    public static List<RegisterClient> Registrations(TestProbe[] clients) =>
        [.. clients.Select((p, c) => new RegisterClient(TinyFederation.Profile(c), p.Ref))];
}
