using System.Collections.Concurrent;
using HFedMoE.Runtime.Actor.Dispatch;
using HFedMoE.Runtime.Actor.Event;
using HFedMoE.Runtime.Actor.Logging;
using HFedMoE.Runtime.Actor.Scheduling;
using HFedMoE.Runtime.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HFedMoE.Runtime.Actor;

/// <summary>
/// A hierarchy of actors sharing config, scheduler, dispatchers and an EventStream. Top-level
/// actors live under <c>/user</c>; runtime actors under <c>/system</c>; Ask's temporary
/// references under <c>/temp</c>; undeliverable messages go to <c>/deadLetters</c>.
/// <see cref="Terminate"/> runs <see cref="CoordinatedShutdown"/> and then stops <c>/user</c>
/// (children before parents), then <c>/system</c>.
/// </summary>
public sealed class ActorSystem : IDisposable
{
    private readonly ActorCell _root;
    private readonly LocalActorRef _userGuardian;
    private readonly LocalActorRef _systemGuardian;
    private readonly TaskCompletionSource _userStopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _systemStopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly DefaultScheduler? _ownedScheduler;
    private readonly ConcurrentDictionary<Type, object> _extensions = new();
    private readonly object _extensionGate = new();
    private readonly object _terminateGate = new();
    private Task? _finalTermination;
    private long _tempIds;
    private volatile bool _terminating;

    private ActorSystem(string name, Config config, ActorSystemSetup? setup)
    {
        Name = name;
        Settings = new ActorSystemSettings(config);
        LoggerFactory = setup?.LoggerFactory ?? NullLoggerFactory.Instance;
        EventStream = new EventStream();
        Address = new Address(Address.DefaultProtocol, name);
        var rootPath = ActorPath.Root(Address);
        DeadLetterRef = new DeadLetterActorRef(this, rootPath / "deadLetters");
        TempPath = rootPath / "temp";
        Log = new BusLogging(this, Address.ToString());
        if (setup?.SchedulerFactory is { } factory)
        {
            Scheduler = factory(this) ?? throw new InvalidOperationException("ActorSystemSetup.SchedulerFactory returned null");
        }
        else
        {
            var scheduler = new DefaultScheduler(Settings.SchedulerTickDuration, Settings.SchedulerShutdownTimeout, e => Log.Error(e, $"A scheduled task failed: {e.Message}"));
            Scheduler = scheduler;
            _ownedScheduler = scheduler;
        }
        Dispatchers = new Dispatchers(config, name);

        _root = new ActorCell(this, rootPath, Props.Create<RootGuardianActor>(), Dispatchers.DefaultDispatcher, parent: null);
        _root.Start();
        _userGuardian = _root.ActorOfInternal(Props.Create(() => new GuardianActor(_userStopped, Settings.GuardianSupervisorStrategy)), "user", allowReservedNames: true);
        _systemGuardian = _root.ActorOfInternal(Props.Create(() => new GuardianActor(_systemStopped, Actor.SupervisorStrategy.DefaultStrategy)), "system", allowReservedNames: true);
        // A /user guardian that stops on its own (it escalated to the root) takes the system down.
        _userStopped.Task.ContinueWith(static (_, s) => ((ActorSystem)s!).Terminate(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        // Created now (not on first use) so its process-exit hook is in place from the start.
        CoordinatedShutdown.Get(this);
    }

    /// <summary>
    /// Creates and starts a system. <paramref name="config"/> overrides
    /// <c>reference.conf</c> (<c>config.WithFallback(ConfigurationFactory.Reference())</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The name is not <c>[a-zA-Z0-9][a-zA-Z0-9_-]*</c>.</exception>
    public static ActorSystem Create(string name, Config? config = null, ActorSystemSetup? setup = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || !char.IsAsciiLetterOrDigit(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ArgumentException($"Invalid actor system name [{name}]: expected ASCII letters, digits, '-' or '_', starting with a letter or digit", nameof(name));
        }
        var full = (config ?? Config.Empty).WithFallback(ConfigurationFactory.Reference());
        return new ActorSystem(name, full, setup);
    }

    public string Name { get; }

    public Address Address { get; }

    public ActorSystemSettings Settings { get; }

    public Config Config => Settings.Config;

    public IScheduler Scheduler { get; }

    public EventStream EventStream { get; }

    public ILoggerFactory LoggerFactory { get; }

    /// <summary>The system's own logger (source: the system address).</summary>
    public ILoggingAdapter Log { get; }

    public Dispatchers Dispatchers { get; }

    /// <summary><c>/deadLetters</c>: sending here publishes a <see cref="DeadLetter"/>.</summary>
    public IActorRef DeadLetters => DeadLetterRef;

    internal DeadLetterActorRef DeadLetterRef { get; }

    internal ActorPath TempPath { get; }

    /// <summary>The <c>/user</c> guardian, parent of actors created with <see cref="ActorOf"/>.</summary>
    public IActorRef UserGuardian => _userGuardian;

    public IActorRef SystemGuardian => _systemGuardian;

    /// <summary>Completes when the system has fully terminated.</summary>
    public Task WhenTerminated => _terminated.Task;

    /// <summary>True once termination has started.</summary>
    public bool IsTerminating => _terminating;

    /// <summary>Creates a top-level actor under <c>/user</c>.</summary>
    /// <exception cref="InvalidActorNameException">The name is illegal or taken.</exception>
    public IActorRef ActorOf(Props props, string? name = null)
    {
        ThrowIfTerminating();
        return _userGuardian.Cell.ActorOf(props, name);
    }

    /// <summary>Creates a runtime actor under <c>/system</c> (journals, remoting…).</summary>
    public IActorRef SystemActorOf(Props props, string? name = null)
    {
        ThrowIfTerminating();
        return _systemGuardian.Cell.ActorOf(props, name);
    }

    /// <summary>A lookup by path (<c>/user/a/b</c> or a full <c>hfedmoe://…</c> path), resolved on every send.</summary>
    public ActorSelection ActorSelection(string path) => new(this, path);

    /// <summary>Stops <paramref name="actor"/> asynchronously (after its current message).</summary>
    public void Stop(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor is LocalActorRef local)
        {
            (local.Cell.ParentCell ?? _root).Stop(local);
        }
    }

    /// <summary>
    /// Runs <see cref="CoordinatedShutdown"/> (whose last phase stops /user, then /system) and
    /// returns <see cref="WhenTerminated"/>. Idempotent.
    /// </summary>
    public Task Terminate()
    {
        lock (_terminateGate)
        {
            if (_terminating)
            {
                return WhenTerminated;
            }
            _terminating = true;
        }
        var shutdown = CoordinatedShutdown.Get(this);
        if (shutdown.RunByActorSystemTerminate)
        {
            _ = shutdown.Run(ShutdownReason.ActorSystemTerminate);
        }
        else
        {
            _ = FinalTerminate();
        }
        return WhenTerminated;
    }

    /// <summary>Terminates and waits (bounded by the scheduler shutdown timeout plus phase timeouts).</summary>
    public void Dispose()
    {
        var timeout = CoordinatedShutdown.Get(this).TotalTimeout + TimeSpan.FromSeconds(5);
        Terminate().Wait(timeout);
    }

    /// <summary>
    /// The single instance of extension <typeparamref name="T"/> for this system, created by
    /// <paramref name="factory"/> on first request (thread-safe; the factory runs once).
    /// </summary>
    public T GetOrAddExtension<T>(Func<ActorSystem, T> factory)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (_extensions.TryGetValue(typeof(T), out var existing))
        {
            return (T)existing;
        }
        lock (_extensionGate)
        {
            if (_extensions.TryGetValue(typeof(T), out existing))
            {
                return (T)existing;
            }
            var created = factory(this) ?? throw new InvalidOperationException($"the factory for extension {typeof(T).Name} returned null");
            _extensions[typeof(T)] = created;
            return created;
        }
    }

    /// <summary>The extension <typeparamref name="T"/> if it has been created.</summary>
    public T? GetExtension<T>()
        where T : class => _extensions.TryGetValue(typeof(T), out var e) ? (T)e : null;

    public override string ToString() => Address.ToString();

    internal long NextTempId() => Interlocked.Increment(ref _tempIds);

    internal void EmitLog(LogLevel level, string logSource, string message, Exception? cause)
    {
        if (level < Settings.LogLevel || level == LogLevel.None)
        {
            return;
        }
        var logger = LoggerFactory.CreateLogger(logSource);
        if (logger.IsEnabled(level))
        {
            logger.Log(level, cause, "{Message}", message);
        }
        EventStream.Publish(new LogEvent(level, logSource, message, cause, Scheduler.Now));
    }

    /// <summary>Resolves a local path to its live actor, or null.</summary>
    internal IActorRef? Resolve(IReadOnlyList<string> elements)
    {
        if (elements.Count == 0)
        {
            return _root.SelfRef;
        }
        if (elements.Count == 1 && elements[0] == "deadLetters")
        {
            return DeadLetters;
        }
        IActorRef? current = _root.SelfRef;
        foreach (var name in elements)
        {
            if (current is not LocalActorRef local)
            {
                return null;
            }
            current = local.Cell.Child(name);
        }
        return current;
    }

    /// <summary>The last coordinated-shutdown phase: stop /user, then /system, then release threads.</summary>
    internal Task FinalTerminate()
    {
        lock (_terminateGate)
        {
            _terminating = true;
            return _finalTermination ??= FinalTerminateAsync();
        }
    }

    private async Task FinalTerminateAsync()
    {
        try
        {
            Stop(_userGuardian);
            await _userStopped.Task.ConfigureAwait(false);
            Stop(_systemGuardian);
            await _systemStopped.Task.ConfigureAwait(false);
            _root.Stop(_root.SelfRef);
            Dispatchers.ShutdownAll();
            _ownedScheduler?.Dispose();
        }
        finally
        {
            _terminated.TrySetResult();
        }
    }

    private void ThrowIfTerminating()
    {
        if (_terminating)
        {
            throw new InvalidOperationException($"actor system [{Name}] is terminating: no new actors can be created");
        }
    }
}
