using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Nn;

/// <summary>
/// The model's initial weights for a seed, written into a <see cref="ParameterStore"/> by
/// parameter name. Both engines (ours and the TorchSharp modules) start from these values, so
/// the same seed gives the same starting model whichever engine trains it.
/// </summary>
internal static class ParameterInit
{
    public static void Initialize(ParameterStore store, int layers, int seed)
    {
        ArgumentNullException.ThrowIfNull(store);
        var rng = new DeterministicRandom(unchecked((ulong)seed));
        float residualScale = 1f / MathF.Sqrt(2f * layers);
        foreach (var slice in store.Slices)
        {
            var values = store.Values.AsSpan(slice.Offset, slice.Length);
            string name = slice.Name;
            if (name.EndsWith(".gamma", StringComparison.Ordinal))
            {
                values.Fill(1f);
            }
            else if (slice.Shape.Length == 1)
            {
                values.Clear();
            }
            else if (name is ParameterNames.TokenEmbedding or ParameterNames.PositionEmbedding)
            {
                rng.FillNormal(values, 0f, 0.02f);
            }
            else
            {
                // Linear maps: std 1/√fan_in; the projections back into the residual stream are
                // scaled down by √(2L) so the stream does not grow with depth.
                float std = 1f / MathF.Sqrt(slice.Shape[0]);
                bool intoResidual = name.EndsWith(".wo", StringComparison.Ordinal) || name.EndsWith(".w2", StringComparison.Ordinal);
                rng.FillNormal(values, 0f, intoResidual ? std * residualScale : std);
            }
        }
    }
}
