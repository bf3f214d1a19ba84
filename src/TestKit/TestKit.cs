using HFedMoE.Runtime.Actor;
using HFedMoE.Runtime.Configuration;

namespace HFedMoE.TestKit;

/// <summary>
/// Base class for actor tests: each test (xunit creates one instance per test) gets a fresh
/// <see cref="ActorSystem"/>, an implicit probe <see cref="TestActor"/> behind the Expect/Receive
/// methods, optional virtual time, and shutdown on <see cref="Dispose()"/> that fails the test if
/// the system does not terminate in time.
/// </summary>
/// <remarks>
/// Messages the test sends with <see cref="Send"/> carry <see cref="TestActor"/> as sender, so
/// replies land in its queue. Inside a namespace under <c>HFedMoE</c> the simple name
/// <c>TestKit</c> resolves to the namespace <c>HFedMoE.TestKit</c>; derive from
/// <c>HFedMoE.TestKit.TestKit</c> or use an alias (<c>using ActorTestKit = HFedMoE.TestKit.TestKit;</c>).
/// </remarks>
public abstract class TestKit : IDisposable
{
    private readonly TestProbe _testActor;
    private readonly VirtualTimeScheduler? _virtualScheduler;
    private readonly List<TestProbe> _probes = [];
    private int _probeCounter;
    private bool _disposed;

    /// <summary>A system configured by <paramref name="config"/> (HOCON text over reference.conf).</summary>
    /// <param name="useVirtualTime">Install a <see cref="VirtualTimeScheduler"/> as the system scheduler.</param>
    protected TestKit(string? config = null, bool useVirtualTime = false, string? systemName = null)
        : this(config is null ? null : ConfigurationFactory.ParseString(config), setup: null, useVirtualTime, systemName)
    {
    }

    /// <summary>A system configured by <paramref name="config"/> (over reference.conf).</summary>
    protected TestKit(Config config, bool useVirtualTime = false, string? systemName = null)
        : this(config, setup: null, useVirtualTime, systemName)
    {
    }

    /// <summary>
    /// A system built from <paramref name="config"/> and <paramref name="setup"/> (e.g. a logger
    /// factory). With <paramref name="useVirtualTime"/> the setup's scheduler factory must be unset.
    /// </summary>
    protected TestKit(Config? config, ActorSystemSetup? setup, bool useVirtualTime = false, string? systemName = null)
    {
        if (useVirtualTime)
        {
            if (setup?.SchedulerFactory is not null)
            {
                throw new ArgumentException("useVirtualTime installs its own scheduler: pass a setup without SchedulerFactory", nameof(setup));
            }
            var scheduler = new VirtualTimeScheduler();
            _virtualScheduler = scheduler;
            setup = (setup ?? new ActorSystemSetup()) with { SchedulerFactory = _ => scheduler };
        }
        Sys = ActorSystem.Create(systemName ?? SystemNameFor(GetType()), config, setup);
        try
        {
            TestKitSettings = TestKitSettings.FromConfig(Sys.Config);
            EventFilter = new EventFilterFactory(Sys.EventStream, Sys.Address, TestKitSettings);
            _testActor = NewProbe("testActor");
        }
        catch
        {
            Sys.Dispose();
            throw;
        }
    }

    /// <summary>The actor system under test.</summary>
    public ActorSystem Sys { get; }

    /// <summary>The implicit probe's actor: the sender of <see cref="Send"/>, and where the Expect methods look.</summary>
    public IActorRef TestActor => _testActor.Ref;

    /// <summary>The implicit probe itself (for methods only a probe has, such as Reply or SetAutoPilot).</summary>
    public TestProbe TestActorProbe => _testActor;

    public TestKitSettings TestKitSettings { get; }

    /// <summary>The system scheduler (virtual when the test enabled virtual time).</summary>
    public IScheduler Scheduler => Sys.Scheduler;

    /// <summary>The virtual-time scheduler; throws unless the test was constructed with virtual time.</summary>
    public VirtualTimeScheduler VirtualScheduler => _virtualScheduler
        ?? throw new InvalidOperationException("virtual time is off: construct the TestKit with useVirtualTime: true");

    /// <summary>Assertions on log events and dead letters published while a block runs.</summary>
    public EventFilterFactory EventFilter { get; }

    /// <summary>The sender of the last message <see cref="TestActor"/> received.</summary>
    public IActorRef? LastSender => _testActor.LastSender;

    /// <summary>Time left in the innermost Within block.</summary>
    public TimeSpan Remaining => _testActor.Remaining;

    /// <summary>Time left in the innermost Within block, or the dilated single-expect default.</summary>
    public TimeSpan RemainingOrDefault => _testActor.RemainingOrDefault;

    /// <summary>A new probe with its own queue and actor.</summary>
    public TestProbe CreateTestProbe(string? name = null) => NewProbe(name ?? "testProbe");

    /// <summary>Creates a top-level actor.</summary>
    public IActorRef ActorOf(Props props, string? name = null) => Sys.ActorOf(props, name);

    /// <summary>Creates a top-level actor built by <paramref name="factory"/>.</summary>
    public IActorRef ActorOf<T>(Func<T> factory, string? name = null)
        where T : ActorBase => Sys.ActorOf(Props.Create(factory), name);

    /// <summary>Sends <paramref name="message"/> to <paramref name="target"/> with <see cref="TestActor"/> as sender.</summary>
    public void Send(ICanTell target, object message) => _testActor.Send(target, message);

    /// <summary><paramref name="duration"/> multiplied by <c>hfedmoe.test.timefactor</c>.</summary>
    public TimeSpan Dilated(TimeSpan duration) => TestKitSettings.Dilated(duration);

    /// <inheritdoc cref="TestProbe.ExpectMsg{T}(TimeSpan?)"/>
    public T ExpectMsg<T>(TimeSpan? max = null) => _testActor.ExpectMsg<T>(max);

    /// <inheritdoc cref="TestProbe.ExpectMsg{T}(T, TimeSpan?)"/>
    public T ExpectMsg<T>(T expected, TimeSpan? max = null) => _testActor.ExpectMsg(expected, max);

    /// <inheritdoc cref="TestProbe.ExpectMsg{T}(Func{T, bool}, TimeSpan?, string?)"/>
    public T ExpectMsg<T>(Func<T, bool> predicate, TimeSpan? max = null, string? hint = null) => _testActor.ExpectMsg(predicate, max, hint);

    /// <inheritdoc cref="TestProbe.ExpectMsg{T}(Action{T}, TimeSpan?)"/>
    public T ExpectMsg<T>(Action<T> assertion, TimeSpan? max = null) => _testActor.ExpectMsg(assertion, max);

    /// <inheritdoc cref="TestProbe.ExpectMsgFrom{T}(IActorRef, TimeSpan?)"/>
    public T ExpectMsgFrom<T>(IActorRef sender, TimeSpan? max = null) => _testActor.ExpectMsgFrom<T>(sender, max);

    /// <inheritdoc cref="TestProbe.ExpectMsgAnyOf{T}(T[])"/>
    public T ExpectMsgAnyOf<T>(params T[] candidates) => _testActor.ExpectMsgAnyOf(candidates);

    /// <inheritdoc cref="TestProbe.ExpectMsgAllOf{T}(T[])"/>
    public IReadOnlyList<T> ExpectMsgAllOf<T>(params T[] expected) => _testActor.ExpectMsgAllOf(expected);

    /// <inheritdoc cref="TestProbe.ExpectNoMsg(TimeSpan?)"/>
    public void ExpectNoMsg(TimeSpan? duration = null) => _testActor.ExpectNoMsg(duration);

    /// <inheritdoc cref="TestProbe.ReceiveOne(TimeSpan?)"/>
    public ReceivedMessage ReceiveOne(TimeSpan? max = null) => _testActor.ReceiveOne(max);

    /// <inheritdoc cref="TestProbe.ReceiveN(int, TimeSpan?)"/>
    public IReadOnlyList<object> ReceiveN(int n, TimeSpan? max = null) => _testActor.ReceiveN(n, max);

    /// <inheritdoc cref="TestProbe.FishForMessage(Func{object, bool}, TimeSpan?, string?)"/>
    public object FishForMessage(Func<object, bool> isTheOne, TimeSpan? max = null, string? hint = null) => _testActor.FishForMessage(isTheOne, max, hint);

    /// <inheritdoc cref="TestProbe.FishForMessage{T}(Func{T, bool}?, TimeSpan?, string?)"/>
    public T FishForMessage<T>(Func<T, bool>? isTheOne = null, TimeSpan? max = null, string? hint = null) => _testActor.FishForMessage(isTheOne, max, hint);

    /// <inheritdoc cref="TestProbe.Watch(IActorRef)"/>
    public IActorRef Watch(IActorRef subject) => _testActor.Watch(subject);

    /// <inheritdoc cref="TestProbe.Unwatch(IActorRef)"/>
    public IActorRef Unwatch(IActorRef subject) => _testActor.Unwatch(subject);

    /// <inheritdoc cref="TestProbe.ExpectTerminated(IActorRef, TimeSpan?)"/>
    public Terminated ExpectTerminated(IActorRef target, TimeSpan? max = null) => _testActor.ExpectTerminated(target, max);

    /// <inheritdoc cref="TestProbe.Within(TimeSpan, Action)"/>
    public void Within(TimeSpan max, Action action) => _testActor.Within(max, action);

    /// <inheritdoc cref="TestProbe.Within(TimeSpan, TimeSpan, Action)"/>
    public void Within(TimeSpan min, TimeSpan max, Action action) => _testActor.Within(min, max, action);

    /// <inheritdoc cref="TestProbe.Within{T}(TimeSpan, TimeSpan, Func{T})"/>
    public T Within<T>(TimeSpan min, TimeSpan max, Func<T> function) => _testActor.Within(min, max, function);

    /// <inheritdoc cref="TestProbe.AwaitAssert(Action, TimeSpan?, TimeSpan?)"/>
    public void AwaitAssert(Action assertion, TimeSpan? max = null, TimeSpan? interval = null) => _testActor.AwaitAssert(assertion, max, interval);

    /// <inheritdoc cref="TestProbe.AwaitCondition(Func{bool}, TimeSpan?, TimeSpan?, string?)"/>
    public void AwaitCondition(Func<bool> condition, TimeSpan? max = null, TimeSpan? interval = null, string? message = null) =>
        _testActor.AwaitCondition(condition, max, interval, message);

    /// <inheritdoc cref="TestProbe.IgnoreMessages(Func{object, bool})"/>
    public void IgnoreMessages(Func<object, bool> ignore) => _testActor.IgnoreMessages(ignore);

    /// <inheritdoc cref="TestProbe.IgnoreMessages{T}(Func{T, bool}?)"/>
    public void IgnoreMessages<T>(Func<T, bool>? ignore = null) => _testActor.IgnoreMessages(ignore);

    /// <inheritdoc cref="TestProbe.IgnoreNoMessages"/>
    public void IgnoreNoMessages() => _testActor.IgnoreNoMessages();

    /// <summary>Terminates the system; throws <see cref="TestKitAssertionException"/> if it does not stop in time.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Terminates <see cref="Sys"/> and waits up to the dilated <c>hfedmoe.test.shutdown-timeout</c>;
    /// a system that does not stop fails the test rather than leaking threads into the next one.
    /// </summary>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing)
        {
            return;
        }
        _disposed = true;
        var limit = Dilated(TestKitSettings.ShutdownTimeout);
        bool stopped = Sys.Terminate().Wait(limit);
        _virtualScheduler?.Shutdown();
        lock (_probes)
        {
            foreach (var probe in _probes)
            {
                probe.Dispose();
            }
        }
        if (!stopped)
        {
            throw new TestKitAssertionException($"actor system [{Sys.Name}] did not terminate within {limit} (hfedmoe.test.shutdown-timeout x timefactor)");
        }
    }

    private static string SystemNameFor(Type type)
    {
        var name = new string(type.Name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray());
        return name.Length > 0 && char.IsAsciiLetterOrDigit(name[0]) ? name : "test" + name;
    }

    private TestProbe NewProbe(string baseName)
    {
        string name = $"{baseName}-{Interlocked.Increment(ref _probeCounter)}";
        var probe = new TestProbe(TestKitSettings, p => Sys.SystemActorOf(Props.Create(() => new ProbeActor(p)), name));
        lock (_probes)
        {
            _probes.Add(probe);
        }
        return probe;
    }
}
