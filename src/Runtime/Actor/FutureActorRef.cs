using System.Globalization;

namespace HFedMoE.Runtime.Actor;

/// <summary>
/// The temporary reply-to reference behind <c>Ask</c>, under <c>/temp</c>. The first reply
/// completes the task; later ones go to dead letters. Its path is built only if someone asks for
/// it, so an Ask costs a task and this object.
/// </summary>
internal sealed class FutureActorRef<T> : IActorRef, IInternalActorRef
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _id;
    private readonly IActorRef? _target;
    private readonly TimeSpan _timeout;
    private ActorPath? _path;
    private CancellationTokenRegistration _cancellation;

    public FutureActorRef(ActorSystem system, long id, IActorRef? target, TimeSpan timeout)
    {
        System = system;
        _id = id;
        _target = target;
        _timeout = timeout;
    }

    public ActorSystem System { get; }

    public Task<T> Task => _completion.Task;

    public ICancelable? Timeout { get; set; }

    /// <summary>Completes the task as cancelled when <paramref name="token"/> fires.</summary>
    public void RegisterCancellation(CancellationToken token)
    {
        if (token.CanBeCanceled)
        {
            _cancellation = token.Register(static (state, t) => ((FutureActorRef<T>)state!).Cancel(t), this);
        }
    }

    public bool IsTerminated => _completion.Task.IsCompleted;

    public ActorPath Path => _path ??= System.TempPath.Child("$" + _id.ToString(CultureInfo.InvariantCulture), unchecked((int)_id) | 1);

    public void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (ReferenceEquals(message, AskTimeoutSignal.Instance))
        {
            string target = _target?.Path.ToString() ?? "the recipient";
            Fail(new AskTimeoutException($"Ask timed out on [{target}] after [{_timeout.TotalMilliseconds} ms]; no reply arrived (set the timeout per call or with hfedmoe.actor.ask-timeout)"));
            return;
        }
        if (_completion.Task.IsCompleted)
        {
            System.DeadLetterRef.Publish(message, sender, this);
            return;
        }
        // Release the timer before completing, so code continuing after the await sees it gone.
        Cleanup();
        bool completed = message switch
        {
            Status.Failure f => _completion.TrySetException(f.Cause),
            T value => _completion.TrySetResult(value),
            _ => _completion.TrySetException(new ArgumentException($"Ask expected a reply of type {typeof(T).Name} but received {message.GetType().Name}: {message}")),
        };
        if (!completed)
        {
            System.DeadLetterRef.Publish(message, sender, this);
        }
    }

    public void Fail(Exception e)
    {
        Cleanup();
        _completion.TrySetException(e);
    }

    public void Cancel(CancellationToken token)
    {
        Cleanup();
        _completion.TrySetCanceled(token);
    }

    private void Cleanup()
    {
        Timeout?.Cancel();
        _cancellation.Dispose();
    }

    public bool Equals(IActorRef? other) => ReferenceEquals(this, other);

    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => _id.GetHashCode();

    public override string ToString() => $"[{Path}]";
}
