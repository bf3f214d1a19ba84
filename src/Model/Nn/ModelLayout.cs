namespace HFedMoE.Model.Nn;

/// <summary>
/// The parameters (name, shape) of the MoE transformer for a configuration, in the canonical
/// order of a <see cref="ParameterStore"/> and so of <c>GlobalModel</c> and checkpoints. Both
/// engines declare exactly these: ours as slices of one buffer, the TorchSharp modules as
/// parameters named by their place in the module tree.
/// </summary>
public static class ModelLayout
{
    public static IEnumerable<(string Name, int[] Shape)> Of(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int d = config.DModel;
        yield return (ParameterNames.TokenEmbedding, [config.Vocab, d]);
        yield return (ParameterNames.PositionEmbedding, [config.SeqLen, d]);
        for (int l = 0; l < config.Layers; l++)
        {
            if (config.UseAttention)
            {
                foreach (var p in Attention(config, l))
                {
                    yield return p;
                }
            }
            foreach (var p in Moe(config, l))
            {
                yield return p;
            }
        }
        yield return (ParameterNames.FinalLnGamma, [d]);
        yield return (ParameterNames.FinalLnBeta, [d]);
        yield return (ParameterNames.HeadWeight, [d, config.Classes]);
        yield return (ParameterNames.HeadBias, [config.Classes]);
        if (config.LmHead)
        {
            yield return (ParameterNames.LmHeadWeight, [d, config.Vocab]);
            yield return (ParameterNames.LmHeadBias, [config.Vocab]);
        }
    }

    /// <summary>The attention sub-layer of block <paramref name="layer"/>.</summary>
    public static IEnumerable<(string Name, int[] Shape)> Attention(ModelConfig config, int layer)
    {
        ArgumentNullException.ThrowIfNull(config);
        int d = config.DModel;
        yield return (ParameterNames.Attention(layer, "ln.gamma"), [d]);
        yield return (ParameterNames.Attention(layer, "ln.beta"), [d]);
        yield return (ParameterNames.Attention(layer, "wqkv"), [d, 3 * d]);
        yield return (ParameterNames.Attention(layer, "bqkv"), [3 * d]);
        yield return (ParameterNames.Attention(layer, "wo"), [d, d]);
        yield return (ParameterNames.Attention(layer, "bo"), [d]);
    }

    /// <summary>The MoE sub-layer of block <paramref name="layer"/>.</summary>
    public static IEnumerable<(string Name, int[] Shape)> Moe(ModelConfig config, int layer)
    {
        ArgumentNullException.ThrowIfNull(config);
        int d = config.DModel;
        yield return (ParameterNames.Moe(layer, "ln.gamma"), [d]);
        yield return (ParameterNames.Moe(layer, "ln.beta"), [d]);
        yield return (ParameterNames.Router(layer), [d, config.Experts]);
        yield return (ParameterNames.RouterBias(layer), [config.Experts]);
        for (int e = 0; e < config.Experts; e++)
        {
            yield return (ParameterNames.Expert(layer, e, "w1"), [d, config.ExpertHidden]);
            yield return (ParameterNames.Expert(layer, e, "b1"), [config.ExpertHidden]);
            yield return (ParameterNames.Expert(layer, e, "w2"), [config.ExpertHidden, d]);
            yield return (ParameterNames.Expert(layer, e, "b2"), [d]);
        }
    }
}
