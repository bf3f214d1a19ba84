namespace HFedMoE.Runtime.Actor;

/// <summary>
/// An immutable recipe for creating an actor: how to build an instance (used again on every
/// restart), which dispatcher runs it, and which strategy it applies to its own children.
/// Create once and reuse; <c>With…</c> methods return modified copies.
/// </summary>
public sealed class Props
{
    private readonly Func<ActorBase> _factory;

    private Props(Type type, Func<ActorBase> factory, string? dispatcher, SupervisorStrategy? supervisorStrategy)
    {
        Type = type;
        _factory = factory;
        Dispatcher = dispatcher;
        SupervisorStrategy = supervisorStrategy;
    }

    /// <summary>The actor class.</summary>
    public Type Type { get; }

    /// <summary>The dispatcher id (config path); null for the default dispatcher.</summary>
    public string? Dispatcher { get; }

    /// <summary>Overrides the actor's own <c>SupervisorStrategy()</c> for its children when set.</summary>
    public SupervisorStrategy? SupervisorStrategy { get; }

    /// <summary>Props for <typeparamref name="T"/>'s parameterless constructor.</summary>
    public static Props Create<T>()
        where T : ActorBase, new() => new(typeof(T), static () => new T(), null, null);

    /// <summary>Props that build each instance with <paramref name="factory"/> (called again on restart).</summary>
    public static Props Create<T>(Func<T> factory)
        where T : ActorBase
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new(typeof(T), factory, null, null);
    }

    /// <summary>Props that call the constructor of <typeparamref name="T"/> matching <paramref name="args"/> (reflection).</summary>
    public static Props Create<T>(params object?[] args)
        where T : ActorBase => Create(typeof(T), args);

    /// <summary>Props that call the constructor of <paramref name="type"/> matching <paramref name="args"/> (reflection).</summary>
    public static Props Create(Type type, params object?[] args)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (!typeof(ActorBase).IsAssignableFrom(type) || type.IsAbstract)
        {
            throw new ArgumentException($"{type.FullName} is not a concrete actor type: expected a non-abstract subclass of ActorBase", nameof(type));
        }
        var copy = args ?? [];
        return new(type, () => (ActorBase)Activator.CreateInstance(type, copy)!, null, null);
    }

    public Props WithDispatcher(string dispatcherId)
    {
        ArgumentException.ThrowIfNullOrEmpty(dispatcherId);
        return new(Type, _factory, dispatcherId, SupervisorStrategy);
    }

    public Props WithSupervisorStrategy(SupervisorStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        return new(Type, _factory, Dispatcher, strategy);
    }

    internal ActorBase NewActor()
    {
        try
        {
            return _factory();
        }
        catch (System.Reflection.TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    public override string ToString() => $"Props({Type.Name}{(Dispatcher is null ? string.Empty : ", dispatcher=" + Dispatcher)})";
}
