using HFedMoE.Model.Nn;

namespace HFedMoE.Model.Federated;

/// <summary>
/// The server's model at one version: an immutable flat parameter vector plus its layout. One
/// copy is all the server holds between rounds.
/// </summary>
public sealed class GlobalModel
{
    private readonly float[] _values;

    /// <summary>Takes a copy of <paramref name="values"/>.</summary>
    public GlobalModel(ExpertLayout layout, ReadOnlySpan<float> values, int version)
        : this(values.ToArray(), layout, version)
    {
    }

    /// <summary>Adopts <paramref name="values"/> without a copy (argument order differs on purpose).</summary>
    private GlobalModel(float[] values, ExpertLayout layout, int version)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (values.Length != layout.TotalLength)
        {
            throw new ArgumentException($"model has {values.Length} values; the layout expects {layout.TotalLength}", nameof(values));
        }
        if (version < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, "version must be ≥ 0");
        }
        Layout = layout;
        _values = values;
        Version = version;
    }

    public ExpertLayout Layout { get; }

    /// <summary>Incremented by every aggregation; updates must name the version they trained from.</summary>
    public int Version { get; }

    public ReadOnlySpan<float> Values => _values;

    public ReadOnlySpan<float> ValuesOf(string name)
    {
        var s = Layout[name].Slice;
        return _values.AsSpan(s.Offset, s.Length);
    }

    public static GlobalModel FromStore(ParameterStore store, int version = 0)
    {
        ArgumentNullException.ThrowIfNull(store);
        return new GlobalModel(new ExpertLayout(store.Slices), store.Values, version);
    }

    /// <summary>Writes these values into a client's store (same layout).</summary>
    public void CopyTo(ParameterStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store.Count != _values.Length)
        {
            throw new ArgumentException($"store has {store.Count} values; the global model has {_values.Length}", nameof(store));
        }
        _values.CopyTo(store.Values, 0);
    }

    /// <summary>Wraps an array the caller gives up (the aggregator's freshly written output).</summary>
    internal static GlobalModel Adopt(ExpertLayout layout, float[] values, int version) => new(values, layout, version);
}
