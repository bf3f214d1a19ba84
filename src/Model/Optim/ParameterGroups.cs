using HFedMoE.Model.Nn;

namespace HFedMoE.Model.Optim;

/// <summary>
/// Which slices of a <see cref="ParameterStore"/> an optimiser may move. Slices can be frozen by
/// name prefix or predicate (e.g. embeddings during fine-tuning); expert slices
/// (<c>layers.{l}.moe.experts.{e}.*</c>) can additionally be skipped per step with an
/// <see cref="ExpertMask"/>. Matrices (rank ≥ 2) receive weight decay; vectors (biases, norms) do not.
/// </summary>
public sealed class ParameterGroups
{
    private readonly bool[] _frozen;

    public ParameterGroups(ParameterStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        Store = store;
        int count = store.Slices.Count;
        _frozen = new bool[count];
        ExpertLayer = new int[count];
        ExpertIndex = new int[count];
        Decays = new bool[count];
        for (int i = 0; i < count; i++)
        {
            var slice = store.Slices[i];
            if (ParameterNames.TryParseExpert(slice.Name, out int l, out int e))
            {
                ExpertLayer[i] = l;
                ExpertIndex[i] = e;
            }
            else
            {
                ExpertLayer[i] = -1;
                ExpertIndex[i] = -1;
            }
            Decays[i] = slice.Shape.Length >= 2;
        }
    }

    public ParameterStore Store { get; }

    internal int[] ExpertLayer { get; }

    internal int[] ExpertIndex { get; }

    internal bool[] Decays { get; }

    /// <summary>Freezes every slice whose name starts with <paramref name="prefix"/>; returns how many matched.</summary>
    public int Freeze(string prefix) => SetFrozen(s => s.Name.StartsWith(prefix, StringComparison.Ordinal), true, prefix);

    public int Freeze(Func<ParameterSlice, bool> predicate) => SetFrozen(predicate, true, null);

    public int Unfreeze(string prefix) => SetFrozen(s => s.Name.StartsWith(prefix, StringComparison.Ordinal), false, prefix);

    public void UnfreezeAll() => Array.Clear(_frozen);

    public bool IsFrozen(string name) => _frozen[Store.IndexOf(name)];

    /// <summary>True if slice <paramref name="index"/> may not move in a step with the given expert mask.</summary>
    internal bool Skips(int index, ExpertMask? frozenExperts)
    {
        if (_frozen[index])
        {
            return true;
        }
        int l = ExpertLayer[index];
        return l >= 0 && frozenExperts is not null && frozenExperts[l, ExpertIndex[index]];
    }

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
