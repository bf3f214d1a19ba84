using HFedMoE.Model.Nn;

namespace HFedMoE.Model.Optim;

/// <summary>
/// Which slices of a <see cref="ParameterStore"/> are frozen: by name prefix or predicate (e.g.
/// the embeddings during fine-tuning). A frozen slice is never trained and never shipped; frozen
/// experts, which change per step, are an <see cref="ExpertMask"/> instead.
/// </summary>
public sealed class ParameterGroups
{
    private readonly bool[] _frozen;

    public ParameterGroups(ParameterStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        Store = store;
        _frozen = new bool[store.Slices.Count];
    }

    public ParameterStore Store { get; }

    /// <summary>Freezes every slice whose name starts with <paramref name="prefix"/>; returns how many matched.</summary>
    public int Freeze(string prefix) => SetFrozen(s => s.Name.StartsWith(prefix, StringComparison.Ordinal), true, prefix);

    public int Freeze(Func<ParameterSlice, bool> predicate) => SetFrozen(predicate, true, null);

    public int Unfreeze(string prefix) => SetFrozen(s => s.Name.StartsWith(prefix, StringComparison.Ordinal), false, prefix);

    public void UnfreezeAll() => Array.Clear(_frozen);

    public bool IsFrozen(string name) => _frozen[Store.IndexOf(name)];

    private int SetFrozen(Func<ParameterSlice, bool> predicate, bool value, string? prefix)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        int matched = 0;
        for (int i = 0; i < _frozen.Length; i++)
        {
            if (predicate(Store.Slices[i]))
            {
                _frozen[i] = value;
                matched++;
            }
        }
        if (matched == 0 && prefix is not null)
        {
            throw new ArgumentException($"no parameter name starts with '{prefix}'");
        }
        return matched;
    }
}
