using HFedMoE.Runtime.Actor.Dispatch;

namespace HFedMoE.Runtime.Actor;

/// <summary>The stash of one actor incarnation; the cell re-queues it on restart and dead-letters it on stop.</summary>
internal sealed class UnboundedStash(ActorCell cell) : IStash
{
    private readonly List<Envelope> _items = [];

    public int Count => _items.Count;

    public void Stash()
    {
        var current = cell.CurrentEnvelope;
        if (current.Message is null)
        {
            throw new IllegalActorStateException($"[{cell.Self.Path}] Stash() called outside message processing: there is no current message");
        }
        if (_items.Count > 0)
        {
            var last = _items[^1];
            if (ReferenceEquals(last.Message, current.Message) && ReferenceEquals(last.Sender, current.Sender))
            {
                throw new IllegalActorStateException($"[{cell.Self.Path}] cannot stash the same message ({current.Message.GetType().Name}) twice");
            }
        }
        _items.Add(current);
    }

    public void Unstash()
    {
        if (_items.Count == 0)
        {
            return;
        }
        var first = _items[0];
        _items.RemoveAt(0);
        cell.PrependUserMessages([first]);
    }

    public void UnstashAll() => cell.PrependUserMessages(ClearStash());

    public void UnstashAll(Func<Envelope, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var selected = _items.Where(predicate).ToList();
        _items.RemoveAll(e => predicate(e));
        cell.PrependUserMessages(selected);
    }

    public IReadOnlyList<Envelope> ClearStash()
    {
        var all = _items.ToArray();
        _items.Clear();
        return all;
    }

    public void Prepend(IEnumerable<Envelope> envelopes)
    {
        ArgumentNullException.ThrowIfNull(envelopes);
        _items.InsertRange(0, envelopes);
    }
}
