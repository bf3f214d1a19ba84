using static TorchSharp.torch;

namespace HFedMoE.Model.Nn.TorchMoE;

/// <summary>One block <c>layers.{l}</c>: an optional attention sub-layer (<c>attn</c>), then the MoE sub-layer (<c>moe</c>).</summary>
public sealed class TorchBlock : nn.Module
{
    public TorchBlock(ModelConfig config, int layer, ScalarType dtype, Device device)
        : base(nameof(TorchBlock))
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.UseAttention)
        {
            Attention = new TorchAttentionBlock(config, dtype, device);
            register_module("attn", Attention);
        }
        Moe = new TorchMoELayer(config, layer, dtype, device);
        register_module("moe", Moe);
    }

    public TorchAttentionBlock? Attention { get; }

    public TorchMoELayer Moe { get; }
}
