using HFedMoE.Actors.Aggregation;
using HFedMoE.Actors.Clients;
using HFedMoE.Actors.Rounds;
using HFedMoE.Model.Federated;
using Akka.Actor;
using Akka.TestKit;

namespace HFedMoE.Actors.Tests.Rounds;

public sealed class ClientTests() : FederationTestKit(FederationTestKit.InMemoryPersistence, virtualTime: true)
{
    private static readonly TimeSpan Resend = TimeSpan.FromSeconds(10);

    private static TrainRound PlanFor(int c)
    {
        var global = TinyFederation.Initial();
        var plan = TinyFederation.Strategy().ConfigureTrain(0, global, [TinyFederation.Profile(c)]).Single();
        return new TrainRound(plan, global);
    }

    private (IActorRef Client, TestProbe Manager) Create(int c)
    {
        var props = Client.Props(TinyFederation.Profile(c), TinyFederation.Data(c), new LocalTrainer(TinyFederation.Config), Resend);
        Assert.Equal(WorkDispatcher.Id, props.Dispatcher);
        return (ActorOf(props), CreateTestProbe("manager"));
    }

    [Fact]
    public void A_client_trains_its_plan_and_replies_with_the_update_of_its_local_data()
    {
        var (client, manager) = Create(1);
        var plan = PlanFor(1);
        manager.Send(client, plan);

        var update = manager.ExpectMsg<SubmitUpdate>(TimeSpan.FromSeconds(10)).Update;
        var expected = TinyFederation.Train(1, plan.Plan, plan.Global);
        Assert.Equal("c1", update.ClientId);
        Assert.Equal(40, update.SampleCount);
        Assert.Equal(Digests.Of(Digests.Serialize(expected)), Digests.Of(Digests.Serialize(update)));
    }

    [Fact]
    public void A_client_whose_training_throws_says_so_at_once_naming_the_cause_and_trains_the_next_round()
    {
        int created = 0;
        var pool = new TrainerPool(1, () => ++created == 1
            ? throw new InvalidOperationException("libtorch said no\nat frame 0")
            : new LocalTrainer(TinyFederation.Config));
        var client = ActorOf(Client.Props(TinyFederation.Profile(1), TinyFederation.Data(1), pool, Resend));
        var manager = CreateTestProbe("manager");
        var plan = PlanFor(1);
        manager.Send(client, plan);

        var failed = manager.ExpectMsg<TrainingFailed>(TimeSpan.FromSeconds(10));
        Assert.Equal(new TrainingFailed(0, "c1", "InvalidOperationException: libtorch said no"), failed);
        VirtualTime.Advance(Resend * 3);
        manager.ExpectNoMsg(TimeSpan.FromMilliseconds(100));   // nothing to resend

        var next = new TrainRound(plan.Plan with { Round = 1 }, plan.Global);
        manager.Send(client, next);
        Assert.Equal(1, manager.ExpectMsg<SubmitUpdate>(TimeSpan.FromSeconds(10)).Update.Round);
    }

    [Fact]
    public void An_unanswered_update_is_sent_again_until_it_is_acknowledged()
    {
        var (client, manager) = Create(0);
        manager.Send(client, PlanFor(0));
        var first = manager.ExpectMsg<SubmitUpdate>(TimeSpan.FromSeconds(10));

        VirtualTime.Advance(Resend);
        Assert.Same(first, manager.ExpectMsg<SubmitUpdate>());
        manager.Reply(new UpdateAck(0, "c0", Digests.Of(Digests.Serialize(first.Update))));
        // Identify is answered in mailbox order, so the reply proves the ack was handled.
        manager.Send(client, new Identify(1));
        manager.ExpectMsg<ActorIdentity>();
        VirtualTime.Advance(Resend * 3);
        manager.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_rejected_update_is_not_sent_again()
    {
        var (client, manager) = Create(0);
        manager.Send(client, PlanFor(0));
        manager.ExpectMsg<SubmitUpdate>(TimeSpan.FromSeconds(10));
        manager.Reply(new UpdateRejected(0, "c0", "stale"));
        manager.Send(client, new Identify(1));
        manager.ExpectMsg<ActorIdentity>();
        VirtualTime.Advance(Resend * 2);
        manager.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }
}
