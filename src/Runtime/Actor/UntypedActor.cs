namespace HFedMoE.Runtime.Actor;

/// <summary>An actor with one <see cref="OnReceive"/> method; call <see cref="ActorBase.Unhandled"/> for what it ignores.</summary>
public abstract class UntypedActor : ActorBase
{
    protected abstract void OnReceive(object message);

    protected internal sealed override bool Receive(object message)
    {
        OnReceive(message);
        return true;
    }

    /// <summary>Replaces <see cref="OnReceive"/> with <paramref name="receive"/> until the next Become.</summary>
    protected void Become(Action<object> receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        Context.Become(m =>
        {
            receive(m);
            return true;
        });
    }

    protected void BecomeStacked(Action<object> receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        Context.BecomeStacked(m =>
        {
            receive(m);
            return true;
        });
    }

    protected void UnbecomeStacked() => Context.UnbecomeStacked();
}
