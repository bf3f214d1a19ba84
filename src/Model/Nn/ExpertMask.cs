namespace HFedMoE.Model.Nn;

/// <summary>
/// A set of experts, one flag per (MoE layer, expert). Used both for the experts frozen in a step
/// (no gradient, no backward GEMMs, no optimiser update) and for the experts a batch routed tokens
/// to. Mutable on purpose: the training loop reuses one instance per step instead of allocating.
/// </summary>
public sealed class ExpertMask
{
    private readonly bool[] _flags;

    public ExpertMask(int layers, int experts)
    {
        if (layers <= 0 || experts <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(layers), $"an expert mask needs positive layers and experts; got {layers}×{experts}");
        }
        Layers = layers;
        Experts = experts;
        _flags = new bool[layers * experts];
    }

    public int Layers { get; }

    public int Experts { get; }

    public bool this[int layer, int expert]
    {
        get => _flags[Index(layer, expert)];
        set => _flags[Index(layer, expert)] = value;
    }

    /// <summary>Flags flattened layer-major: index = layer · Experts + expert.</summary>
    public ReadOnlySpan<bool> Flags => _flags;

    /// <summary>Number of experts in the set, summed over layers.</summary>
    public int Count
    {
        get
        {
            int n = 0;
            foreach (bool f in _flags)
            {
                n += f ? 1 : 0;
            }
            return n;
        }
    }

    public int CountInLayer(int layer)
    {
        int n = 0;
        for (int e = 0; e < Experts; e++)
        {
            n += this[layer, e] ? 1 : 0;
        }
        return n;
    }

    public void Clear() => Array.Clear(_flags);

    public void SetAll(bool value) => Array.Fill(_flags, value);

    public void CopyFrom(ExpertMask other)
    {
        ArgumentNullException.ThrowIfNull(other);
        RequireShape(other.Layers, other.Experts);
        other._flags.CopyTo(_flags, 0);
    }

    public ExpertMask Clone()
    {
        var copy = new ExpertMask(Layers, Experts);
        copy.CopyFrom(this);
        return copy;
    }

    /// <summary>Throws unless this mask is <paramref name="layers"/> × <paramref name="experts"/>.</summary>
    public void RequireShape(int layers, int experts)
    {
        if (layers != Layers || experts != Experts)
        {
            throw new ArgumentException($"expert mask is {Layers} layers × {Experts} experts; expected {layers} × {experts}");
        }
    }

    private int Index(int layer, int expert)
    {
        if ((uint)layer >= (uint)Layers || (uint)expert >= (uint)Experts)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), $"expert ({layer},{expert}) is outside the {Layers}×{Experts} mask");
        }
        return layer * Experts + expert;
    }
}
