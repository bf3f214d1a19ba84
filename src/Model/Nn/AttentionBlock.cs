using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Nn;

/// <summary>
/// Pre-LN multi-head self-attention sub-layer: y = x + Wo·Attention(LN(x)·Wqkv + bqkv) + bo.
/// Keys beyond each sample's valid length are masked; causal masking is a config option.
/// </summary>
public sealed class AttentionBlock
{
    private readonly ParameterStore _store;
    private readonly GemmOptions _gemm;
    private readonly int _d;
    private readonly int _heads;
    private readonly bool _causal;
    private readonly int _lnGamma;
    private readonly int _lnBeta;
    private readonly int _wqkv;
    private readonly int _bqkv;
    private readonly int _wo;
    private readonly int _bo;

    private int _batch;
    private int _seqLen;
    private int _capacityTokens;
    private int _capacityAtt;
    private float[] _ln = [];      // (N, d)
    private float[] _lnMean = [];  // (N)
    private float[] _lnRstd = [];  // (N)
    private float[] _qkv = [];     // (N, 3d)
    private float[] _att = [];     // (B, NH, T, T)
    private float[] _atty = [];    // (N, d) attention output before Wo
    private float[] _dln = [];
    private float[] _dqkv = [];
    private float[] _datty = [];
    private float[] _dattScratch = []; // (threads, 2, T, T): one (T, T) pair per attention thread

    public AttentionBlock(ModelConfig config, int layer, ParameterStore store, GemmOptions? gemm = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _gemm = gemm ?? GemmOptions.Default;
        _d = config.DModel;
        _heads = config.Heads;
        _causal = config.CausalAttention;
        _lnGamma = store[ParameterNames.Attention(layer, "ln.gamma")].Offset;
        _lnBeta = store[ParameterNames.Attention(layer, "ln.beta")].Offset;
        _wqkv = store[ParameterNames.Attention(layer, "wqkv")].Offset;
        _bqkv = store[ParameterNames.Attention(layer, "bqkv")].Offset;
        _wo = store[ParameterNames.Attention(layer, "wo")].Offset;
        _bo = store[ParameterNames.Attention(layer, "bo")].Offset;
    }

    public static IEnumerable<(string Name, int[] Shape)> Layout(ModelConfig config, int layer) => ModelLayout.Attention(config, layer);

    // out, inp: (B, T, d); lengths: (B) or empty
    internal void Forward(Span<float> output, ReadOnlySpan<float> input, ReadOnlySpan<int> lengths, int batch, int seqLen, FlopCounter flops)
    {
        int n = batch * seqLen, d = _d;
        EnsureCapacity(batch, seqLen);
        var p = _store.Values;
        LayerNorm.Forward(_ln, _lnMean, _lnRstd, input[..(n * d)], p.AsSpan(_lnGamma, d), p.AsSpan(_lnBeta, d), n, d);
        Gemm.Multiply(false, false, n, 3 * d, d, 1f, _ln, d, p.AsSpan(_wqkv, 3 * d * d), 3 * d, 0f, _qkv, 3 * d, _gemm);
        MoELayer.AddBias(_qkv, p.AsSpan(_bqkv, 3 * d), n);
        Attention.Forward(_atty, _att, _qkv, lengths, batch, seqLen, d, _heads, _causal, _gemm);
        input[..(n * d)].CopyTo(output);
        Gemm.Multiply(false, false, n, d, d, 1f, _atty, d, p.AsSpan(_wo, d * d), d, 1f, output, d, _gemm);
        MoELayer.AddBias(output, p.AsSpan(_bo, d), n);
        flops.ForwardDense += FlopCounter.Gemm(n, 3 * d, d) + Attention.ForwardFlops(batch, seqLen, d) + FlopCounter.Gemm(n, d, d);
    }

    // dinp += ∂L/∂x given dout = ∂L/∂y
    internal void Backward(Span<float> dinput, ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, FlopCounter flops)
    {
        int batch = _batch, seqLen = _seqLen, n = batch * seqLen, d = _d;
        var p = _store.Values;
        var g = _store.Grads;
        System.Numerics.Tensors.TensorPrimitives.Add(dinput[..(n * d)], doutput[..(n * d)], dinput[..(n * d)]);
        // dWo += attyᵀ · dout;  dbo += Σ dout;  datty = dout · Woᵀ
        Gemm.Multiply(true, false, d, d, n, 1f, _atty, d, doutput, d, 1f, g.AsSpan(_wo, d * d), d, _gemm);
        MoELayer.AddColumnSums(g.AsSpan(_bo, d), doutput, n);
        Gemm.Multiply(false, true, n, d, d, 1f, doutput, d, p.AsSpan(_wo, d * d), d, 0f, _datty, d, _gemm);
        var dqkv = _dqkv.AsSpan(0, n * 3 * d);
        dqkv.Clear();
        Attention.Backward(dqkv, _dattScratch, _datty, _qkv, _att, batch, seqLen, d, _heads, _gemm);
        // dWqkv += lnᵀ · dqkv;  dbqkv += Σ dqkv;  dln = dqkv · Wqkvᵀ
        Gemm.Multiply(true, false, d, 3 * d, n, 1f, _ln, d, dqkv, 3 * d, 1f, g.AsSpan(_wqkv, 3 * d * d), 3 * d, _gemm);
        MoELayer.AddColumnSums(g.AsSpan(_bqkv, 3 * d), dqkv, n);
        Gemm.Multiply(false, true, n, d, 3 * d, 1f, dqkv, 3 * d, p.AsSpan(_wqkv, 3 * d * d), 3 * d, 0f, _dln, d, _gemm);
        LayerNorm.Backward(dinput, g.AsSpan(_lnGamma, d), g.AsSpan(_lnBeta, d), _dln, input, p.AsSpan(_lnGamma, d), _lnMean, _lnRstd, n, d);
        flops.BackwardDense += 2 * (FlopCounter.Gemm(n, 3 * d, d) + Attention.ForwardFlops(batch, seqLen, d) + FlopCounter.Gemm(n, d, d));
    }

    private void EnsureCapacity(int batch, int seqLen)
    {
        _batch = batch;
        _seqLen = seqLen;
        int n = batch * seqLen, d = _d;
        if (n > _capacityTokens)
        {
            _capacityTokens = n;
            _ln = new float[n * d];
            _lnMean = new float[n];
            _lnRstd = new float[n];
            _qkv = new float[n * 3 * d];
            _atty = new float[n * d];
            _dln = new float[n * d];
            _dqkv = new float[n * 3 * d];
            _datty = new float[n * d];
        }
        int att = batch * _heads * seqLen * seqLen;
        if (att > _capacityAtt)
        {
            _capacityAtt = att;
            _att = new float[att];
        }
        if (_dattScratch.Length < 2 * seqLen * seqLen * _gemm.MaxThreads)
        {
            _dattScratch = new float[2 * seqLen * seqLen * _gemm.MaxThreads];
        }
    }
}
