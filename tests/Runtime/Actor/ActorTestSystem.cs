using HFedMoE.Runtime.Actor;
using HFedMoE.Runtime.Configuration;

namespace HFedMoE.Runtime.Tests.Actor;

/// <summary>Creates systems for tests; optionally with a <see cref="ManualScheduler"/>.</summary>
internal static class ActorTestSystem
{
    public static ActorSystem Create(string? hocon = null, ManualScheduler? scheduler = null, string name = "test")
    {
        var config = hocon is null ? null : ConfigurationFactory.ParseString(hocon);
        var setup = scheduler is null ? null : new ActorSystemSetup(SchedulerFactory: _ => scheduler);
        return ActorSystem.Create(name, config, setup);
    }

    /// <summary>Waits for <paramref name="task"/> with a deadline (fails the test instead of hanging).</summary>
    public static T Await<T>(Task<T> task, TimeSpan? timeout = null)
    {
        if (!task.Wait(timeout ?? Probe.DefaultTimeout))
        {
            throw new TimeoutException("task did not complete in time");
        }
        return task.Result;
    }

    public static void Await(Task task, TimeSpan? timeout = null)
    {
        if (!task.Wait(timeout ?? Probe.DefaultTimeout))
        {
            throw new TimeoutException("task did not complete in time");
        }
    }
}
