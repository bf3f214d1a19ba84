using TorchSharp;
using static TorchSharp.torch;

namespace HFedMoE.Model.Nn.TorchMoE;

/// <summary>
/// Pre-LN multi-head self-attention sub-layer, as <see cref="AttentionBlock"/>:
/// y = x + Attention(LN(x)·Wqkv + bqkv)·Wo + bo, parameters <c>ln.gamma|beta</c>, <c>wqkv</c>
/// (d, 3d; columns [q | k | v], head h at h·hs..), <c>bqkv</c>, <c>wo</c> (d, d), <c>bo</c>.
/// </summary>
public sealed class TorchAttentionBlock : nn.Module
{
    private readonly TorchLayerNorm _ln;
    private readonly long _d;
    private readonly long _heads;
    // Held, not converted on the fly: see TorchMoETransformer.
    private readonly TorchSharp.Scalar _one = 1.ToScalar();

    public TorchAttentionBlock(ModelConfig config, ScalarType dtype, Device device)
        : base(nameof(TorchAttentionBlock))
    {
        ArgumentNullException.ThrowIfNull(config);
        _d = config.DModel;
        _heads = config.Heads;
        _ln = new TorchLayerNorm(_d, dtype, device);
        register_module("ln", _ln);
        Wqkv = new TorchSharp.Modules.Parameter(zeros([_d, 3 * _d], dtype, device));
        Bqkv = new TorchSharp.Modules.Parameter(zeros(3 * _d, dtype, device));
        Wo = new TorchSharp.Modules.Parameter(zeros([_d, _d], dtype, device));
        Bo = new TorchSharp.Modules.Parameter(zeros(_d, dtype, device));
        register_parameter("wqkv", Wqkv);
        register_parameter("bqkv", Bqkv);
        register_parameter("wo", Wo);
        register_parameter("bo", Bo);
    }

    public TorchSharp.Modules.Parameter Wqkv { get; }

    public TorchSharp.Modules.Parameter Bqkv { get; }

    public TorchSharp.Modules.Parameter Wo { get; }

    public TorchSharp.Modules.Parameter Bo { get; }

    /// <summary>
    /// x: (B·T, d) → (B·T, d). <paramref name="visible"/>: (B, 1, T, T) bool, true where a query
    /// may attend to a key (keys past a sample's length and, if causal, later keys are false), or
    /// null when every key is visible.
    /// </summary>
    public Tensor Forward(Tensor x, long batch, long seqLen, Tensor? visible)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        long hs = _d / _heads;
        var qkv = Bqkv.addmm(_ln.forward(x), Wqkv)                 // (B·T, 3d)
            .view(batch, seqLen, 3, _heads, hs).permute(2, 0, 3, 1, 4); // (3, B, nh, T, hs)
        var y = nn.functional.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], visible); // (B, nh, T, hs)
        y = y.transpose(1, 2).reshape(batch * seqLen, _d);          // (B·T, d)
        return x.add(Bo.addmm(y, Wo), _one).MoveToOuterDisposeScope();
    }
}
