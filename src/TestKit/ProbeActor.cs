using HFedMoE.Runtime.Actor;

namespace HFedMoE.TestKit;

/// <summary>
/// The actor behind a <see cref="TestProbe"/>: hands every message (with its sender) to the
/// probe's queue, and performs Watch/Unwatch on the probe's behalf, since DeathWatch is an actor
/// capability. Terminated notices are queued like any other message.
/// </summary>
internal sealed class ProbeActor : ReceiveActor
{
    public ProbeActor(TestProbe probe)
    {
        Receive<WatchRequest>(r =>
        {
            if (r.Watch)
            {
                Context.Watch(r.Subject);
            }
            else
            {
                Context.Unwatch(r.Subject);
            }
            r.Done.TrySetResult();
        });
        ReceiveAny(m => probe.Deliver(m, Sender.Equals(Context.System.DeadLetters) ? null : Sender));
    }

    /// <summary>Asks the probe's actor to (un)watch <paramref name="Subject"/>; completes once it has.</summary>
    internal sealed record WatchRequest(IActorRef Subject, bool Watch, TaskCompletionSource Done);
}
