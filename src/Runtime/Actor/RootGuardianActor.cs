namespace HFedMoE.Runtime.Actor;

/// <summary>The root ("/"): stops a guardian that escalates, which terminates the system.</summary>
internal sealed class RootGuardianActor : ActorBase
{
    protected internal override bool Receive(object message) => false;

    protected override SupervisorStrategy SupervisorStrategy() => Actor.SupervisorStrategy.StoppingStrategy;
}
