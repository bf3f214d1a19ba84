namespace HFedMoE.Model.Checkpoints;

/// <summary>
/// The parsed content of a safetensors file: its tensors, in file order, and the free-form
/// string metadata from the header's <c>__metadata__</c> entry.
/// </summary>
public sealed class SafeTensorsFile
{
    private readonly Dictionary<string, NamedTensor> _byName;

    public SafeTensorsFile(IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(metadata);
        _byName = new Dictionary<string, NamedTensor>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            if (!_byName.TryAdd(t.Name, t))
            {
                throw new ArgumentException($"tensor '{t.Name}' appears twice");
            }
        }
        Tensors = tensors;
        Metadata = metadata;
    }

    public IReadOnlyList<NamedTensor> Tensors { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public bool Contains(string name) => _byName.ContainsKey(name);

    public NamedTensor this[string name] =>
        _byName.TryGetValue(name, out var t)
            ? t
            : throw new KeyNotFoundException($"no tensor named '{name}' in the file");
}
