using TorchSharp;
using static TorchSharp.torch;

namespace HFedMoE.Model.Nn.MoeLm;

/// <summary>One pre-norm decoder layer: x + attn(norm(x)), then h + moe(norm(h)).</summary>
public sealed class MoeDecoderLayer : nn.Module
{
    private readonly RmsNorm _inputNorm;
    private readonly MoeAttention _attention;
    private readonly RmsNorm _postNorm;

    public MoeDecoderLayer(HFedMoE.Model.HuggingFace.HfConfig config, Func<int, bool> holdsExpert)
        : base(nameof(MoeDecoderLayer))
    {
        ArgumentNullException.ThrowIfNull(config);
        bool mixtral = config.Architecture == HFedMoE.Model.HuggingFace.HfArchitecture.Mixtral;
        _inputNorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        _attention = new MoeAttention(config.HiddenSize, config.Heads, config.KeyValueHeads, config.HeadDim, qkNorm: !mixtral, config.RmsNormEps);
        _postNorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        Moe = new SparseMoeBlock(mixtral, config.HiddenSize, config.ExpertHidden, config.Experts, config.TopK, config.NormTopKProb, holdsExpert);
        register_module("input_layernorm", _inputNorm);
        register_module("self_attn", _attention);
        register_module("post_attention_layernorm", _postNorm);
        register_module(mixtral ? "block_sparse_moe" : "mlp", Moe);
    }

    // Held, not converted on the fly: see TorchMoETransformer.
    private readonly TorchSharp.Scalar _one = 1.ToScalar();

    public SparseMoeBlock Moe { get; }

    /// <summary>x: (B, T, H) → (B, T, H), with the MoE block's router probabilities (B·T, E) and choices (B·T, k).</summary>
    public (Tensor Hidden, Tensor RouterProbs, Tensor TopIndices) Forward(Tensor x, Tensor cos, Tensor sin, Tensor causalMask)
    {
        using var scope = NewDisposeScope();
        var h = x.add(_attention.Forward(_inputNorm.forward(x), cos, sin, causalMask), _one);
        long b = h.shape[0], t = h.shape[1], d = h.shape[2];
        var (moe, probs, top) = Moe.forward(_postNorm.forward(h).view(b * t, d));
        return (h.add(moe.view(b, t, d), _one).MoveToOuterDisposeScope(), probs.MoveToOuterDisposeScope(), top.MoveToOuterDisposeScope());
    }
}
