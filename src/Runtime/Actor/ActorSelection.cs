namespace HFedMoE.Runtime.Actor;

/// <summary>
/// A path lookup resolved on every send: <c>system.ActorSelection("/user/a/b")</c>. Messages to a
/// path with no live actor go to dead letters (an <see cref="Identify"/> is answered with an
/// empty <see cref="ActorIdentity"/>). Wildcards are not supported.
/// </summary>
public sealed class ActorSelection : ICanTell
{
    private readonly string[] _elements;

    internal ActorSelection(ActorSystem system, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        System = system;
        PathString = path;
        string local = path;
        if (path.Contains("://", StringComparison.Ordinal))
        {
            var parsed = ActorPath.Parse(path);
            if (!parsed.Address.Equals(system.Address))
            {
                throw new ArgumentException($"selection [{path}] is not in this system ({system.Address}); remote selections are not supported yet", nameof(path));
            }
            _elements = [.. parsed.Elements];
            return;
        }
        if (!local.StartsWith('/'))
        {
            throw new ArgumentException($"selection [{path}] must be absolute: expected /user/... or {system.Address}/user/...", nameof(path));
        }
        _elements = local.Split('/', StringSplitOptions.RemoveEmptyEntries);
    }

    public ActorSystem System { get; }

    public string PathString { get; }

    public void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        var target = System.Resolve(_elements);
        if (target is not null)
        {
            target.Tell(message, sender);
        }
        else
        {
            System.DeadLetterRef.Publish(message, sender, System.DeadLetters);
        }
    }

    /// <summary>The live actor at this path, or <see cref="ActorNotFoundException"/>.</summary>
    public Task<IActorRef> ResolveOne(TimeSpan timeout)
    {
        _ = timeout;
        var target = System.Resolve(_elements);
        return target is null
            ? Task.FromException<IActorRef>(new ActorNotFoundException($"no actor at [{PathString}] in {System.Address}"))
            : Task.FromResult(target);
    }

    public override string ToString() => $"ActorSelection[{PathString}]";
}
