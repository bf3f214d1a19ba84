namespace HFedMoE.Model.Nn;

/// <summary>
/// All of a model's parameters in one flat buffer, gradients mirroring it exactly (llm.c style):
/// zeroing grads, an optimiser step, a checkpoint, or "send expert 5 of layer 2" are loops over
/// named slices rather than a walk over an object tree.
/// </summary>
public sealed class ParameterStore
{
    private readonly Dictionary<string, ParameterSlice> _byName;

    public ParameterStore(IEnumerable<(string Name, int[] Shape)> layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var slices = new List<ParameterSlice>();
        _byName = new Dictionary<string, ParameterSlice>(StringComparer.Ordinal);
        int offset = 0;
        foreach (var (name, shape) in layout)
        {
            if (shape.Length == 0 || shape.Any(d => d <= 0))
            {
                throw new ArgumentException($"parameter '{name}' has invalid shape [{string.Join(",", shape)}]; every dimension must be positive");
            }
            int length = checked(shape.Aggregate(1, (a, d) => a * d));
            var slice = new ParameterSlice(name, (int[])shape.Clone(), offset, length);
            if (!_byName.TryAdd(name, slice))
            {
                throw new ArgumentException($"parameter '{name}' is declared twice");
            }
            slices.Add(slice);
            offset = checked(offset + length);
        }
        Slices = slices;
        Values = new float[offset];
        Grads = new float[offset];
    }

    /// <summary>
    /// The model's parameters for <paramref name="config"/> with its seeded initial weights: what
    /// the model starts from for <paramref name="seed"/>, without building a model.
    /// </summary>
    public static ParameterStore Initial(ModelConfig config, int seed)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var store = new ParameterStore(ModelLayout.Of(config));
        ParameterInit.Initialize(store, config.Layers, seed);
        return store;
    }

    /// <summary>Every parameter value, slices back to back in declaration order.</summary>
    public float[] Values { get; }

    /// <summary>Gradients, same layout as <see cref="Values"/>.</summary>
    public float[] Grads { get; }

    public IReadOnlyList<ParameterSlice> Slices { get; }

    public int Count => Values.Length;

    public ParameterSlice this[string name] =>
        _byName.TryGetValue(name, out var slice)
            ? slice
            : throw new KeyNotFoundException($"no parameter named '{name}'");

    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>Position of the named slice in <see cref="Slices"/>.</summary>
    public int IndexOf(string name)
    {
        var slice = this[name];
        for (int i = 0; i < Slices.Count; i++)
        {
            if (ReferenceEquals(Slices[i], slice))
            {
                return i;
            }
        }
        throw new KeyNotFoundException($"no parameter named '{name}'");
    }

    public void ZeroGrads() => Array.Clear(Grads);

    public Span<float> ValuesOf(string name)
    {
        var s = this[name];
        return Values.AsSpan(s.Offset, s.Length);
    }

    public Span<float> GradsOf(string name)
    {
        var s = this[name];
        return Grads.AsSpan(s.Offset, s.Length);
    }
}
