using HFedMoE.Actors.Rounds;
using Akka.Actor;
using Akka.TestKit;

namespace HFedMoE.Actors.Tests.Rounds;

/// <summary>A round manager under test, its probe clients, and a probe subscribed to its round outcomes.</summary>
internal sealed record ProbeFederation(IActorRef Manager, TestProbe[] Clients, TestProbe Subscriber)
{
    /// <summary>
    /// Starts <paramref name="props"/> (under a <see cref="RestartingParent"/> when
    /// <paramref name="supervised"/>, so that Kill restarts it) and subscribes a new probe to its
    /// outcomes.
    /// </summary>
    public static ProbeFederation Start(TestKitBase kit, Props props, TestProbe[] clients, bool supervised)
    {
        IActorRef manager;
        if (supervised)
        {
            kit.ActorOf(() => new RestartingParent(props)).Tell("child?", kit.TestActor);
            manager = kit.ExpectMsg<IActorRef>();
        }
        else
        {
            manager = kit.ActorOf(props);
        }
        var subscriber = kit.CreateTestProbe();
        manager.Tell(new SubscribeRounds(subscriber.Ref), kit.TestActor);
        return new ProbeFederation(manager, clients, subscriber);
    }

    /// <summary>The registrations of <paramref name="clients"/> as the tiny federation's clients 0, 1, ...</summary>
    public static List<RegisterClient> Registrations(TestProbe[] clients) =>
        [.. clients.Select((p, c) => new RegisterClient(TinyFederation.Profile(c), p.Ref))];
}
