namespace HFedMoE.Runtime.Actor;

/// <summary>The /user and /system guardians: parents of top-level actors; they report when they have stopped.</summary>
internal sealed class GuardianActor(TaskCompletionSource stopped) : ActorBase
{
    protected internal override bool Receive(object message) => false;

    protected override void PostStop() => stopped.TrySetResult();
}
