namespace HFedMoE.Runtime.Actor;

/// <summary>
/// The /user and /system guardians: parents of top-level actors; they report when they have
/// stopped. The /user guardian's strategy comes from <c>hfedmoe.actor.guardian-supervisor-strategy</c>
/// so an application can choose what a failing top-level actor does to the whole system.
/// </summary>
internal sealed class GuardianActor(TaskCompletionSource stopped, SupervisorStrategy strategy) : ActorBase
{
    protected internal override bool Receive(object message) => false;

    protected override SupervisorStrategy SupervisorStrategy() => strategy;

    protected override void PostStop() => stopped.TrySetResult();
}
