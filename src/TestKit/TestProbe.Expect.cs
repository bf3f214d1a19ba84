using HFedMoE.Runtime.Actor;

namespace HFedMoE.TestKit;

public sealed partial class TestProbe
{
    /// <summary>Expects the next message to be a <typeparamref name="T"/>; returns it.</summary>
    public T ExpectMsg<T>(TimeSpan? max = null) => ExpectMsgCore<T>(max, null, "ExpectMsg<" + typeof(T).Name + ">");

    /// <summary>Expects the next message to equal <paramref name="expected"/> (by <c>Equals</c>).</summary>
    public T ExpectMsg<T>(T expected, TimeSpan? max = null)
    {
        ArgumentNullException.ThrowIfNull(expected);
        return ExpectMsgCore<T>(max, m => Equals(expected, m) ? null : $"expected {Show(expected)}", $"ExpectMsg({Show(expected)})");
    }

    /// <summary>Expects the next message to be a <typeparamref name="T"/> satisfying <paramref name="predicate"/>.</summary>
    public T ExpectMsg<T>(Func<T, bool> predicate, TimeSpan? max = null, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return ExpectMsgCore<T>(max, m => predicate(m) ? null : "the predicate" + (hint is null ? string.Empty : $" ({hint})") + " was false", "ExpectMsg<" + typeof(T).Name + ">");
    }

    /// <summary>Expects the next message to be a <typeparamref name="T"/> and runs <paramref name="assertion"/> on it.</summary>
    public T ExpectMsg<T>(Action<T> assertion, TimeSpan? max = null)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        var msg = ExpectMsg<T>(max);
        assertion(msg);
        return msg;
    }

    /// <summary>Expects the next message to be a <typeparamref name="T"/> sent by <paramref name="sender"/>.</summary>
    public T ExpectMsgFrom<T>(IActorRef sender, TimeSpan? max = null)
    {
        ArgumentNullException.ThrowIfNull(sender);
        var msg = ExpectMsg<T>(max);
        if (!sender.Equals(LastSender))
        {
            throw Fail($"ExpectMsgFrom<{typeof(T).Name}>: expected the message from {sender}, but it came from {LastSender?.ToString() ?? "no sender"}");
        }
        return msg;
    }

    /// <summary>Expects the next message to equal one of <paramref name="candidates"/>.</summary>
    public T ExpectMsgAnyOf<T>(params T[] candidates) => ExpectMsgAnyOfCore(null, candidates);

    /// <inheritdoc cref="ExpectMsgAnyOf{T}(T[])"/>
    public T ExpectMsgAnyOf<T>(TimeSpan max, params T[] candidates) => ExpectMsgAnyOfCore(max, candidates);

    private T ExpectMsgAnyOfCore<T>(TimeSpan? max, T[] candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        return ExpectMsgCore<T>(
            max,
            m => Array.Exists(candidates, c => Equals(c, m)) ? null : "expected any of [" + string.Join(", ", candidates.Select(c => Show(c))) + "]",
            "ExpectMsgAnyOf");
    }

    /// <summary>Expects the next <c>n</c> messages to be exactly <paramref name="expected"/>, in any order.</summary>
    public IReadOnlyList<T> ExpectMsgAllOf<T>(params T[] expected) => ExpectMsgAllOfCore(null, expected);

    /// <inheritdoc cref="ExpectMsgAllOf{T}(T[])"/>
    public IReadOnlyList<T> ExpectMsgAllOf<T>(TimeSpan max, params T[] expected) => ExpectMsgAllOfCore(max, expected);

    private List<T> ExpectMsgAllOfCore<T>(TimeSpan? max, T[] expected)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var got = ReceiveN(expected.Length, max);
        var missing = expected.Select(e => (object?)e).ToList();
        var unexpected = new List<object>();
        foreach (var m in got)
        {
            int i = missing.FindIndex(e => Equals(e, m));
            if (i >= 0)
            {
                missing.RemoveAt(i);
            }
            else
            {
                unexpected.Add(m);
            }
        }
        if (missing.Count > 0)
        {
            throw Fail($"ExpectMsgAllOf: missing [{string.Join(", ", missing.Select(Show))}], unexpected [{string.Join(", ", unexpected.Select(Show))}]");
        }
        return got.Cast<T>().ToList();
    }

    /// <summary>
    /// Asserts that no message arrives for <paramref name="duration"/> (dilated; default: the
    /// time left in the Within block, or expect-no-message-default outside one). Fails at once if
    /// a message is already waiting.
    /// </summary>
    public void ExpectNoMsg(TimeSpan? duration = null)
    {
        var wait = duration is null && _withinEnd is null ? Dilated(Settings.ExpectNoMessageDefault) : RemainingOrDilated(duration);
        long start = Timestamp();
        var got = TryTake(wait);
        if (got is not null)
        {
            throw Fail($"ExpectNoMsg: expected no message for {wait}, got {got} after {Since(start)}");
        }
        _lastWasNoMsg = true;
    }

    /// <summary>Receives exactly <paramref name="n"/> messages, all within <paramref name="max"/> in total.</summary>
    public IReadOnlyList<object> ReceiveN(int n, TimeSpan? max = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var limit = RemainingOrDilated(max);
        long start = Timestamp();
        var result = new List<object>(n);
        while (result.Count < n)
        {
            var got = TryTake(Left(limit, start));
            if (got is null)
            {
                throw Fail($"ReceiveN: timeout ({limit}) while waiting for {n} messages; got {result.Count}: [{string.Join(", ", result.Select(Show))}]");
            }
            result.Add(got.Message);
        }
        return result;
    }

    /// <summary>
    /// Receives and drops messages until one satisfies <paramref name="isTheOne"/>, which is
    /// returned. Fails if none arrives within <paramref name="max"/> (in total).
    /// </summary>
    public object FishForMessage(Func<object, bool> isTheOne, TimeSpan? max = null, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(isTheOne);
        var limit = RemainingOrDilated(max);
        long start = Timestamp();
        var skipped = new List<object>();
        while (true)
        {
            var got = TryTake(Left(limit, start));
            if (got is null)
            {
                throw Fail($"FishForMessage: timeout ({limit}) before a matching message arrived{(hint is null ? string.Empty : " (" + hint + ")")}; skipped [{string.Join(", ", skipped.Select(Show))}]");
            }
            if (isTheOne(got.Message))
            {
                return got.Message;
            }
            skipped.Add(got.Message);
        }
    }

    /// <summary>Like <see cref="FishForMessage(Func{object, bool}, TimeSpan?, string?)"/> for a <typeparamref name="T"/>; other types are skipped.</summary>
    public T FishForMessage<T>(Func<T, bool>? isTheOne = null, TimeSpan? max = null, string? hint = null) =>
        (T)FishForMessage(m => m is T t && (isTheOne is null || isTheOne(t)), max, hint ?? typeof(T).Name);

    /// <summary>Expects the <see cref="Terminated"/> notice for <paramref name="target"/> (watch it first with <see cref="Watch"/>).</summary>
    public Terminated ExpectTerminated(IActorRef target, TimeSpan? max = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        return ExpectMsgCore<Terminated>(max, t => target.Equals(t.ActorRef) ? null : $"expected Terminated for {target}", $"ExpectTerminated({target})");
    }

    private T ExpectMsgCore<T>(TimeSpan? max, Func<T, string?>? check, string what)
    {
        var wait = RemainingOrDilated(max);
        var got = TryTake(wait) ?? throw Fail($"{what}: timeout ({wait}) while waiting for a message of type {typeof(T).Name}");
        if (got.Message is not T msg)
        {
            throw Fail($"{what}: expected a message of type {typeof(T).Name}, got {got}");
        }
        if (check?.Invoke(msg) is { } problem)
        {
            throw Fail($"{what}: {problem}, got {got}");
        }
        return msg;
    }

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => "\"" + s + "\"",
        _ => value.ToString() ?? value.GetType().Name,
    };
}
