using TorchSharp;
using static TorchSharp.torch;

namespace HFedMoE.Model.Nn.MoeLm;

/// <summary>
/// Causal self-attention with rotary embeddings and grouped key-value heads (each KV head serves
/// heads/kvHeads query heads). Qwen3-MoE adds an RMSNorm over each head's q and k before the
/// rotation (<c>q_norm</c>, <c>k_norm</c>); Mixtral has none. No biases in either.
/// </summary>
public sealed class MoeAttention : nn.Module
{
    private readonly nn.Module<Tensor, Tensor> _q;
    private readonly nn.Module<Tensor, Tensor> _k;
    private readonly nn.Module<Tensor, Tensor> _v;
    private readonly nn.Module<Tensor, Tensor> _o;
    private readonly RmsNorm? _qNorm;
    private readonly RmsNorm? _kNorm;
    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headDim;

    // Held, not converted on the fly: see TorchMoETransformer.
    private readonly TorchSharp.Scalar _minusInfinity = float.NegativeInfinity.ToScalar();
    private readonly TorchSharp.Scalar _scale;

    public MoeAttention(long hidden, int heads, int kvHeads, int headDim, bool qkNorm, double eps)
        : base(nameof(MoeAttention))
    {
        _heads = heads;
        _kvHeads = kvHeads;
        _headDim = headDim;
        _scale = (1.0 / Math.Sqrt(headDim)).ToScalar();
        _q = nn.Linear(hidden, heads * headDim, hasBias: false);
        _k = nn.Linear(hidden, kvHeads * headDim, hasBias: false);
        _v = nn.Linear(hidden, kvHeads * headDim, hasBias: false);
        _o = nn.Linear(heads * headDim, hidden, hasBias: false);
        register_module("q_proj", _q);
        register_module("k_proj", _k);
        register_module("v_proj", _v);
        register_module("o_proj", _o);
        if (qkNorm)
        {
            _qNorm = new RmsNorm(headDim, eps);
            _kNorm = new RmsNorm(headDim, eps);
            register_module("q_norm", _qNorm);
            register_module("k_norm", _kNorm);
        }
    }

    /// <summary>x: (B, T, H) → (B, T, H).</summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor causalMask)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var q = _q.forward(x).view(b, t, _heads, _headDim);     // (B, T, nh, d)
        var k = _k.forward(x).view(b, t, _kvHeads, _headDim);   // (B, T, nkv, d)
        var v = _v.forward(x).view(b, t, _kvHeads, _headDim);
        if (_qNorm is not null)
        {
            q = _qNorm.forward(q);
            k = _kNorm!.forward(k);
        }
        q = RotaryEmbedding.Apply(q.transpose(1, 2), cos, sin);  // (B, nh, T, d)
        k = RotaryEmbedding.Apply(k.transpose(1, 2), cos, sin);  // (B, nkv, T, d)
        v = v.transpose(1, 2);
        int groups = _heads / _kvHeads;
        if (groups > 1)
        {
            k = k.repeat_interleave(groups, dim: 1);           // (B, nh, T, d)
            v = v.repeat_interleave(groups, dim: 1);
        }
        var scores = q.matmul(k.transpose(2, 3)).mul(_scale);  // (B, nh, T, T)
        scores = scores.masked_fill(causalMask, _minusInfinity);
        var attention = nn.functional.softmax(scores.to_type(ScalarType.Float32), -1).to_type(q.dtype);
        var y = attention.matmul(v).transpose(1, 2).contiguous().view(b, t, _heads * _headDim);
        return _o.forward(y).MoveToOuterDisposeScope();
    }
}
