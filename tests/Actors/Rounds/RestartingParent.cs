using Akka.Actor;

namespace HFedMoE.Actors.Tests.Rounds;

/// <summary>
/// Parent that restarts its one child on any failure, Kill included (the default strategy
/// stops on ActorKilledException), and replies with the child's ref to any message.
/// </summary>
internal sealed class RestartingParent : ReceiveActor
{
    private readonly IActorRef _child;

    public RestartingParent(Props child)
    {
        _child = Context.ActorOf(child, "child");
        ReceiveAny(_ => Sender.Tell(_child));
    }

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Restart);
}
