using HFedMoE.Runtime.Actor;

namespace HFedMoE.TestKit;

public sealed partial class TestProbe
{
    /// <summary>
    /// Watches <paramref name="subject"/>: its <see cref="Terminated"/> notice will arrive in this
    /// probe's queue (see <see cref="ExpectTerminated"/>). Returns once the watch is in place.
    /// </summary>
    public IActorRef Watch(IActorRef subject)
    {
        SendWatchRequest(subject, watch: true);
        return subject;
    }

    /// <summary>Stops watching <paramref name="subject"/>; returns once done.</summary>
    public IActorRef Unwatch(IActorRef subject)
    {
        SendWatchRequest(subject, watch: false);
        return subject;
    }

    private void SendWatchRequest(IActorRef subject, bool watch)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Ref.Tell(new ProbeActor.WatchRequest(subject, watch, done), null);
        var limit = Dilated(Settings.SingleExpectDefault);
        if (!done.Task.Wait(limit))
        {
            throw Fail($"{(watch ? "Watch" : "Unwatch")}({subject}): the probe's actor did not confirm within {limit}; is the actor system shut down?");
        }
    }
}
