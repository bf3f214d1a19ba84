using HFedMoE.Model.Federated;
using HFedMoE.Model.Nn;

namespace HFedMoE.Actors.Aggregation;

/// <summary>
/// The part of the global model one aggregator merges, as a small <see cref="GlobalModel"/> of its
/// own, so the Federated layer's validator and streaming merge run on it unchanged while memory
/// stays that of the part. Tensor names are the global ones. <see cref="ExpertLayout"/> requires
/// expert ids 0..S−1 in every MoE layer (and a router's expert axis of size S), so the scope adds
/// one-float placeholder experts where real ones are left out; they never receive weight.
/// </summary>
internal sealed class AggregationScope
{
    private const string ExpertsInfix = ".moe.experts.";
    private const string PlaceholderSuffix = "~placeholder";

    private AggregationScope(GlobalModel model, IReadOnlyList<LayoutEntry> entries, int expertId)
    {
        Model = model;
        Entries = entries;
        ExpertId = expertId;
    }

    /// <summary>The scoped previous model (same version as the global one).</summary>
    public GlobalModel Model { get; }

    /// <summary>The real parameters in scope (global names and shapes).</summary>
    public IReadOnlyList<LayoutEntry> Entries { get; }

    /// <summary>The expert's id inside the scope (−1 for the gating scope).</summary>
    public int ExpertId { get; }

    /// <summary>Expert <paramref name="expert"/> of MoE layer <paramref name="layer"/>.</summary>
    public static AggregationScope ForExpert(GlobalModel model, int layer, int expert)
    {
        var layout = model.Layout;
        if (layer < 0 || layer >= layout.Layers || expert < 0 || expert >= layout.ExpertsPerLayer)
        {
            throw new ArgumentOutOfRangeException(nameof(expert), $"layer {layer} expert {expert} is not in the model: it has {layout.Layers} MoE layers of {layout.ExpertsPerLayer} experts");
        }
        var real = layout.ExpertParameters(layer * layout.ExpertsPerLayer + expert);
        var builder = new Builder(model);
        string prefix = ExpertPrefix(real[0].Name);
        for (int j = 0; j < expert; j++)
        {
            builder.AddPlaceholder(prefix + j);
        }
        foreach (var entry in real)
        {
            builder.Add(entry);
        }
        return new AggregationScope(builder.Build(), real, expert);
    }

    /// <summary>Every router and shared parameter.</summary>
    public static AggregationScope ForGating(GlobalModel model)
    {
        var layout = model.Layout;
        var builder = new Builder(model);
        var real = layout.Entries.Where(e => e.Role != ParameterRole.Expert).ToList();
        foreach (var entry in real)
        {
            builder.Add(entry);
        }
        for (int l = 0; l < layout.Layers; l++)
        {
            string prefix = ExpertPrefix(layout.ExpertParameters(l * layout.ExpertsPerLayer)[0].Name);
            for (int j = 0; j < layout.ExpertsPerLayer; j++)
            {
                builder.AddPlaceholder(prefix + j);
            }
        }
        return new AggregationScope(builder.Build(), real, -1);
    }

    private static string ExpertPrefix(string expertParameter)
    {
        int k = expertParameter.IndexOf(ExpertsInfix, StringComparison.Ordinal);
        return expertParameter[..(k + ExpertsInfix.Length)];
    }

    private sealed class Builder(GlobalModel model)
    {
        private readonly List<ParameterSlice> _slices = [];
        private readonly List<float> _values = [];

        public void Add(LayoutEntry entry)
        {
            _slices.Add(new ParameterSlice(entry.Name, entry.Slice.Shape, _values.Count, entry.Slice.Length));
            foreach (float v in model.ValuesOf(entry.Name))
            {
                _values.Add(v);
            }
        }

        public void AddPlaceholder(string expertPrefix)
        {
            _slices.Add(new ParameterSlice($"{expertPrefix}.{PlaceholderSuffix}", [1], _values.Count, 1));
            _values.Add(0);
        }

        public GlobalModel Build() => new(new ExpertLayout(_slices), _values.ToArray(), model.Version);
    }
}
