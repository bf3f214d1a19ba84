using HFedMoE.Runtime.Actor.Logging;

namespace HFedMoE.Runtime.Actor;

/// <summary>
/// Runs registered shutdown tasks in fixed, ordered phases (Akka's defaults, from
/// <c>before-service-unbind</c> to <c>actor-system-terminate</c>). Tasks of one phase run
/// concurrently; the next phase starts when all are done or the phase timeout
/// (<c>hfedmoe.actor.coordinated-shutdown</c>, measured by the system scheduler) has passed.
/// A failed or timed-out phase is logged and, with <c>recover = on</c> (default), shutdown goes on;
/// with <c>recover = off</c> the remaining phases are skipped. <see cref="Run"/> is idempotent.
/// </summary>
public sealed class CoordinatedShutdown
{
    public const string PhaseBeforeServiceUnbind = "before-service-unbind";
    public const string PhaseServiceUnbind = "service-unbind";
    public const string PhaseServiceRequestsDone = "service-requests-done";
    public const string PhaseServiceStop = "service-stop";
    public const string PhaseBeforeClusterShutdown = "before-cluster-shutdown";
    public const string PhaseClusterShardingShutdownRegion = "cluster-sharding-shutdown-region";
    public const string PhaseClusterLeave = "cluster-leave";
    public const string PhaseClusterExiting = "cluster-exiting";
    public const string PhaseClusterExitingDone = "cluster-exiting-done";
    public const string PhaseClusterShutdown = "cluster-shutdown";
    public const string PhaseBeforeActorSystemTerminate = "before-actor-system-terminate";
    public const string PhaseActorSystemTerminate = "actor-system-terminate";

    private static readonly string[] Phases =
    [
        PhaseBeforeServiceUnbind, PhaseServiceUnbind, PhaseServiceRequestsDone, PhaseServiceStop,
        PhaseBeforeClusterShutdown, PhaseClusterShardingShutdownRegion, PhaseClusterLeave, PhaseClusterExiting,
        PhaseClusterExitingDone, PhaseClusterShutdown, PhaseBeforeActorSystemTerminate, PhaseActorSystemTerminate,
    ];

    private readonly ActorSystem _system;
    private readonly ILoggingAdapter _log;
    private readonly Dictionary<string, List<(string Name, Func<Task> Task)>> _tasks = [];
    private readonly Dictionary<string, (TimeSpan Timeout, bool Recover)> _phaseSettings = [];
    private readonly object _gate = new();
    private readonly bool _terminateSystem;
    private Task? _run;

    private CoordinatedShutdown(ActorSystem system)
    {
        _system = system;
        _log = system.GetLogger("CoordinatedShutdown");
        var config = system.Config.GetConfig("hfedmoe.actor.coordinated-shutdown");
        var defaultTimeout = config.GetTimeSpan("default-phase-timeout");
        _terminateSystem = config.GetBoolean("terminate-actor-system");
        RunByActorSystemTerminate = config.GetBoolean("run-by-actor-system-terminate");
        var phases = config.GetConfig("phases");
        foreach (var phase in Phases)
        {
            var own = phases.GetConfig(phase);
            _phaseSettings[phase] = (own.GetTimeSpan("timeout", defaultTimeout), own.GetBoolean("recover", true));
            _tasks[phase] = [];
        }
        if (_terminateSystem)
        {
            _tasks[PhaseActorSystemTerminate].Add(("terminate-system", () => _system.FinalTerminate()));
        }
        if (config.GetBoolean("run-by-clr-shutdown-hook"))
        {
            // SIGTERM / normal process exit runs the phases (bounded by their timeouts).
            EventHandler onExit = (_, _) => Run(ShutdownReason.ClrExit).Wait(TotalTimeout);
            AppDomain.CurrentDomain.ProcessExit += onExit;
            system.WhenTerminated.ContinueWith(_ => AppDomain.CurrentDomain.ProcessExit -= onExit, TaskScheduler.Default);
        }
    }

    /// <summary>The instance for <paramref name="system"/>.</summary>
    public static CoordinatedShutdown Get(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return system.GetOrAddExtension(static s => new CoordinatedShutdown(s));
    }

    /// <summary>The phases in the order they run.</summary>
    public static IReadOnlyList<string> OrderedPhases => Phases;

    /// <summary>Why shutdown was started, once it has been.</summary>
    public ShutdownReason? Reason { get; private set; }

    /// <summary>Whether <see cref="ActorSystem.Terminate"/> goes through the phases (config <c>run-by-actor-system-terminate</c>).</summary>
    public bool RunByActorSystemTerminate { get; }

    /// <summary>The sum of all phase timeouts.</summary>
    public TimeSpan TotalTimeout => _phaseSettings.Values.Aggregate(TimeSpan.Zero, (sum, p) => p.Timeout == System.Threading.Timeout.InfiniteTimeSpan ? sum : sum + p.Timeout);

    public TimeSpan Timeout(string phase) => GetPhase(phase).Timeout;

    /// <summary>Registers <paramref name="task"/> to run in <paramref name="phase"/>.</summary>
    /// <exception cref="ArgumentException">Unknown phase.</exception>
    /// <exception cref="InvalidOperationException">Shutdown has already started.</exception>
    public void AddTask(string phase, string taskName, Func<Task> task)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskName);
        ArgumentNullException.ThrowIfNull(task);
        GetPhase(phase);
        lock (_gate)
        {
            if (_run is not null)
            {
                throw new InvalidOperationException($"coordinated shutdown of [{_system.Name}] is already running: task '{taskName}' cannot be added to phase '{phase}'");
            }
            _tasks[phase].Add((taskName, task));
        }
    }

    /// <summary>Runs all phases from <paramref name="fromPhase"/> (default: the first); later calls return the same task.</summary>
    public Task Run(ShutdownReason reason, string? fromPhase = null)
    {
        ArgumentNullException.ThrowIfNull(reason);
        int start = fromPhase is null ? 0 : Array.IndexOf(Phases, fromPhase);
        if (start < 0)
        {
            throw new ArgumentException($"unknown coordinated-shutdown phase '{fromPhase}': expected one of {string.Join(", ", Phases)}", nameof(fromPhase));
        }
        lock (_gate)
        {
            if (_run is not null)
            {
                return _run;
            }
            Reason = reason;
            _run = RunPhases(start);
        }
        if (_terminateSystem)
        {
            // Started directly (not via Terminate): mark the system as terminating too.
            _ = _system.Terminate();
        }
        return _run;
    }

    private (TimeSpan Timeout, bool Recover) GetPhase(string phase) =>
        phase is not null && _phaseSettings.TryGetValue(phase, out var s)
            ? s
            : throw new ArgumentException($"unknown coordinated-shutdown phase '{phase}': expected one of {string.Join(", ", Phases)}", nameof(phase));

    private async Task RunPhases(int start)
    {
        await Task.Yield();
        for (int i = start; i < Phases.Length; i++)
        {
            string phase = Phases[i];
            var (timeout, recover) = _phaseSettings[phase];
            var tasks = _tasks[phase];
            if (tasks.Count == 0)
            {
                continue;
            }
            _log.Debug($"Coordinated shutdown: phase [{phase}] running {tasks.Count} task(s)");
            var running = tasks.Select(t => RunTask(phase, t.Name, t.Task)).ToArray();
            var all = Task.WhenAll(running);
            bool completed = await WaitWithTimeout(all, timeout).ConfigureAwait(false);
            string? problem = !completed ? $"timed out after {timeout}" : all.IsFaulted ? "had failing tasks" : null;
            if (problem is null)
            {
                continue;
            }
            if (recover)
            {
                _log.Warning($"Coordinated shutdown phase [{phase}] {problem}; continuing (recover = on)");
            }
            else
            {
                _log.Error($"Coordinated shutdown phase [{phase}] {problem}; skipping the remaining phases (recover = off)");
                return;
            }
        }
    }

    private async Task RunTask(string phase, string name, Func<Task> task)
    {
        try
        {
            await task().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _log.Warning(e, $"Coordinated shutdown task [{name}] in phase [{phase}] failed: {e.Message}");
            throw;
        }
    }

    private async Task<bool> WaitWithTimeout(Task task, TimeSpan timeout)
    {
        if (timeout == System.Threading.Timeout.InfiniteTimeSpan)
        {
            await task.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
            return true;
        }
        var elapsed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ICancelable? timer = null;
        try
        {
            timer = _system.Scheduler.ScheduleOnce(timeout, () => elapsed.TrySetResult());
        }
        catch (Exception e) when (e is Scheduling.SchedulerException or ObjectDisposedException)
        {
            // The scheduler is gone (the system is already down): just wait for the tasks.
        }
        var first = await Task.WhenAny(task, elapsed.Task).ConfigureAwait(false);
        timer?.Cancel();
        return first == task;
    }
}
