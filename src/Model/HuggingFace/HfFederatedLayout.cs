using HFedMoE.Model.Federated;
using HFedMoE.Model.Nn;
using HFedMoE.Model.Nn.MoeLm;

namespace HFedMoE.Model.HuggingFace;

/// <summary>
/// A Hugging Face model as the federated strategies see it: one flat float vector whose slices
/// carry the federated names (experts <c>layers.{l}.moe.experts.{e}.*</c>, gates
/// <c>layers.{l}.moe.router</c>), so that <see cref="ExpertLayout"/>, importance, selection,
/// masks and aggregation work on it unchanged; and the conversions to and from the TorchSharp
/// model and the checkpoint.
/// </summary>
public sealed class HfFederatedLayout
{
    private readonly Dictionary<string, HfTensorSpec> _byFederated;

    public HfFederatedLayout(HfTensorLayout tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Elements > int.MaxValue)
        {
            throw new NotSupportedException($"the model has {tensors.Elements} parameters; a federated run keeps it as one float vector of at most {int.MaxValue}");
        }
        Tensors = tensors;
        var slices = new List<ParameterSlice>();
        int offset = 0;
        foreach (var t in tensors.Tensors)
        {
            slices.Add(new ParameterSlice(t.FederatedName, t.Shape, offset, (int)t.Elements));
            offset += (int)t.Elements;
        }
        Layout = new ExpertLayout(slices);
        _byFederated = tensors.Tensors.ToDictionary(t => t.FederatedName, StringComparer.Ordinal);
    }

    public HfTensorLayout Tensors { get; }

    public ExpertLayout Layout { get; }

    public HfTensorSpec SpecOf(LayoutEntry entry) => _byFederated[entry.Name];

    public GlobalModel FromCheckpoint(HfCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var values = new float[Layout.TotalLength];
        foreach (var entry in Layout.Entries)
        {
            checkpoint.ReadInto(SpecOf(entry).HfName, values.AsSpan(entry.Slice.Offset, entry.Slice.Length));
        }
        return new GlobalModel(Layout, values, 0);
    }

    /// <summary>Writes the global model's values into the TorchSharp model's parameters (those it holds).</summary>
    public void CopyTo(GlobalModel global, MoeCausalLm model)
    {
        ArgumentNullException.ThrowIfNull(global);
        ArgumentNullException.ThrowIfNull(model);
        model.LoadWeights(name => ValuesOf(global, name));
    }

    /// <summary>One tensor of the global model by its Hugging Face name (for export and loading).</summary>
    public float[] ValuesOf(GlobalModel global, string hfName)
    {
        ArgumentNullException.ThrowIfNull(global);
        if (!Tensors.TryGetByHfName(hfName, out var spec))
        {
            throw new KeyNotFoundException($"no tensor '{hfName}' in this {Tensors.Config.Architecture} layout");
        }
        return global.ValuesOf(spec.FederatedName).ToArray();
    }
}
