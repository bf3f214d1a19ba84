using HFedMoE.Model.Federated;
using HFedMoE.Model.Nn;

namespace HFedMoE.Model.Tests.Federated;

/// <summary>
/// A tiny MoE layout for federated tests: shared <c>embed.w</c> [2,3], one MoE layer with a
/// router [3,2] (expert axis 1) and two experts, each <c>w1</c> [2,4] and <c>b1</c> [4].
/// Expert ids: 0 and 1.
/// </summary>
internal static class FederatedFixture
{
    public static ParameterStore Store(int layers = 1, int experts = 2)
    {
        var layout = new List<(string, int[])> { ("embed.w", [2, 3]) };
        for (int l = 0; l < layers; l++)
        {
            layout.Add(($"layers.{l}.moe.router", [3, experts]));
            for (int e = 0; e < experts; e++)
            {
                layout.Add(($"layers.{l}.moe.experts.{e}.w1", [2, 4]));
                layout.Add(($"layers.{l}.moe.experts.{e}.b1", [4]));
            }
        }
        layout.Add(("head.w", [3]));
        return new ParameterStore(layout);
    }

    /// <summary>A model whose every value is <paramref name="fill"/>.</summary>
    public static GlobalModel Model(float fill = 0f, int version = 0, int layers = 1, int experts = 2)
    {
        var store = Store(layers, experts);
        Array.Fill(store.Values, fill);
        return GlobalModel.FromStore(store, version);
    }

    /// <summary>
    /// An update whose tensors are all filled with <paramref name="value"/>: shared, router, and
    /// the listed trained experts.
    /// </summary>
    public static SparseUpdate Update(
        GlobalModel model, string client, int samples, float value, int[] trained,
        double[]? usage = null, double[]? importance = null, int round = 0, double loss = 1.0,
        Func<string, int, float>? valueAt = null)
    {
        var layout = model.Layout;
        var tensors = new List<UpdateTensor>();
        foreach (var entry in layout.Entries)
        {
            if (entry.Role == ParameterRole.Expert && !trained.Contains(entry.ExpertId))
            {
                continue;
            }
            var v = new float[entry.Slice.Length];
            for (int i = 0; i < v.Length; i++)
            {
                v[i] = valueAt?.Invoke(entry.Name, i) ?? value;
            }
            tensors.Add(new UpdateTensor(entry.Name, entry.Slice.Shape, v));
        }
        int n = layout.ExpertCount;
        usage ??= Enumerable.Repeat(1.0 / layout.ExpertsPerLayer, n).ToArray();
        importance ??= Enumerable.Repeat(0.5, n).ToArray();
        return new SparseUpdate(client, round, model.Version, samples, usage, importance,
            Enumerable.Repeat(0.5, n).ToArray(), trained, tensors, loss, LocalSteps: 10);
    }

    public static float At(GlobalModel model, string name, int index = 0) => model.ValuesOf(name)[index];
}
