using System.Globalization;
using System.Text.RegularExpressions;
using HFedMoE.Model.Nn;

namespace HFedMoE.Model.Federated;

/// <summary>
/// The model's parameter layout, classified by name into shared, router and expert parameters
/// (names as the nn layer writes them: <c>layers.{l}.moe.router</c> and <c>router_bias</c>,
/// <c>layers.{l}.moe.experts.{e}.w1|b1|w2|b2</c>, anything else shared). Every MoE layer must have
/// the same number of experts S; expert ids run over all layers: id = l·S + e.
/// </summary>
public sealed partial class ExpertLayout
{
    private readonly Dictionary<string, LayoutEntry> _byName = new(StringComparer.Ordinal);
    private readonly List<LayoutEntry>[] _byExpert;

    public ExpertLayout(IReadOnlyList<ParameterSlice> slices)
    {
        ArgumentNullException.ThrowIfNull(slices);
        var parsed = new List<(ParameterSlice Slice, ParameterRole Role, int Layer, int Expert)>();
        var layerIds = new SortedSet<int>();
        var expertsPerLayer = new Dictionary<int, int>();
        int end = 0;
        foreach (var s in slices)
        {
            if (s.Offset != end)
            {
                throw new ArgumentException($"parameter '{s.Name}' starts at offset {s.Offset}; expected {end} (slices must be contiguous, in order)", nameof(slices));
            }
            end = checked(s.Offset + s.Length);
            var m = ExpertName().Match(s.Name);
            if (m.Success)
            {
                int l = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                int e = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
                parsed.Add((s, ParameterRole.Expert, l, e));
                layerIds.Add(l);
                expertsPerLayer[l] = Math.Max(expertsPerLayer.GetValueOrDefault(l), e + 1);
                continue;
            }
            m = RouterName().Match(s.Name);
            if (m.Success)
            {
                int l = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                parsed.Add((s, ParameterRole.Router, l, -1));
                layerIds.Add(l);
                continue;
            }
            parsed.Add((s, ParameterRole.Shared, -1, -1));
        }
        TotalLength = end;

        var distinct = expertsPerLayer.Values.Distinct().ToList();
        if (distinct.Count > 1)
        {
            throw new ArgumentException($"MoE layers have different expert counts ({string.Join(", ", expertsPerLayer.OrderBy(p => p.Key).Select(p => $"layer {p.Key}: {p.Value}"))}); every layer must have the same S", nameof(slices));
        }
        ExpertsPerLayer = distinct.Count == 0 ? 0 : distinct[0];
        var layerIndex = layerIds.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i);
        foreach (int l in layerIds)
        {
            if (!expertsPerLayer.ContainsKey(l))
            {
                throw new ArgumentException($"layer {l} has a router but no experts", nameof(slices));
            }
        }
        Layers = layerIds.Count;
        ExpertCount = Layers * ExpertsPerLayer;
        _byExpert = new List<LayoutEntry>[ExpertCount];
        for (int i = 0; i < ExpertCount; i++)
        {
            _byExpert[i] = [];
        }

        var entries = new List<LayoutEntry>(parsed.Count);
        foreach (var (slice, role, layer, expert) in parsed)
        {
            LayoutEntry entry = role switch
            {
                ParameterRole.Expert => new LayoutEntry(slice, role, layerIndex[layer], layerIndex[layer] * ExpertsPerLayer + expert, -1),
                ParameterRole.Router => new LayoutEntry(slice, role, layerIndex[layer], -1, RouterAxis(slice, ExpertsPerLayer)),
                _ => new LayoutEntry(slice, role, -1, -1, -1),
            };
            entries.Add(entry);
            _byName[slice.Name] = entry;
            if (entry.ExpertId >= 0)
            {
                _byExpert[entry.ExpertId].Add(entry);
            }
        }
        for (int i = 0; i < ExpertCount; i++)
        {
            if (_byExpert[i].Count == 0)
            {
                throw new ArgumentException($"expert {i % ExpertsPerLayer} of MoE layer {i / ExpertsPerLayer} has no parameters (expert indices must be contiguous)", nameof(slices));
            }
        }
        Entries = entries;
    }

    public IReadOnlyList<LayoutEntry> Entries { get; }

    /// <summary>Number of floats in the whole model.</summary>
    public int TotalLength { get; }

    public int Layers { get; }

    public int ExpertsPerLayer { get; }

    /// <summary>Experts over all MoE layers: the range of expert ids.</summary>
    public int ExpertCount { get; }

    public LayoutEntry this[string name] =>
        _byName.TryGetValue(name, out var entry)
            ? entry
            : throw new KeyNotFoundException($"no parameter named '{name}' in the model layout");

    public bool TryGet(string name, out LayoutEntry entry) => _byName.TryGetValue(name, out entry!);

    /// <summary>The parameters of one expert (usually w1, b1, w2, b2).</summary>
    public IReadOnlyList<LayoutEntry> ExpertParameters(int expertId) =>
        expertId >= 0 && expertId < ExpertCount
            ? _byExpert[expertId]
            : throw new ArgumentOutOfRangeException(nameof(expertId), expertId, $"expert id must lie in [0, {ExpertCount})");

    /// <summary>The router's expert axis: the dimension of size S (the last one if several are).</summary>
    private static int RouterAxis(ParameterSlice slice, int experts)
    {
        for (int a = slice.Shape.Length - 1; a >= 0; a--)
        {
            if (slice.Shape[a] == experts)
            {
                return a;
            }
        }
        throw new ArgumentException($"router '{slice.Name}' has shape [{string.Join(",", slice.Shape)}] with no dimension of size S = {experts}");
    }

    [GeneratedRegex(@"^layers\.(\d+)\.moe\.experts\.(\d+)\.", RegexOptions.CultureInvariant)]
    private static partial Regex ExpertName();

    [GeneratedRegex(@"^layers\.(\d+)\.moe\.router(?:[._].+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex RouterName();
}
