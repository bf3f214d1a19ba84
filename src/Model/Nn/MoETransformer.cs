using System.Numerics.Tensors;
using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Nn;

/// <summary>
/// A small mixture-of-experts transformer over token sequences:
/// embeddings + positions → L × [optional pre-LN attention, pre-LN MoE] → final LN, then either
/// mean-pool over valid tokens → linear → classes (sequence classification), or per-token linear →
/// vocabulary at the targeted positions (masked-token pre-training, needs <see cref="ModelConfig.LmHead"/>).
///
/// Buffers are sized on the first call for a batch shape and reused: a training step allocates
/// nothing afterwards. Samples are right-padded: <c>lengths[b]</c> tokens of sample b are valid
/// (empty lengths = all valid); padding tokens are not routed, not attended to and not pooled.
/// <c>ForwardBackward*</c> overwrites <see cref="ParameterStore.Grads"/> with the gradient of
/// the task loss plus the auxiliary router losses.
///
/// Training can also be split: <see cref="Loss"/> (or <see cref="MaskedTokenLoss"/>) runs the
/// forward and keeps its activations, so the caller can read the routing
/// (<see cref="SampleGateProbabilities"/>, <see cref="RoutedExperts"/>) and choose which experts
/// to freeze before <see cref="Backward"/> back-propagates that same pass. Routing never depends
/// on the mask, so Loss + Backward(mask) is bit-identical to ForwardBackward(mask).
/// </summary>
public sealed class MoETransformer
{
    private readonly AttentionBlock?[] _attention;
    private readonly MoELayer[] _moe;
    private readonly FlopCounter _flops = new();
    private readonly GemmOptions _gemm;
    private readonly int _tokEmb;
    private readonly int _posEmb;
    private readonly int _finalGamma;
    private readonly int _finalBeta;
    private readonly int _headW;
    private readonly int _headB;
    private readonly int _lmW = -1;
    private readonly int _lmB = -1;
    private readonly int[] _tokensPerExpert;
    private readonly ExpertMask _routed;

    private int _batch;
    private int _seqLen;
    private int _capTokens;
    private int _capBatch;
    private int[] _tokens = [];      // (N) copy for the embedding backward
    private bool[] _valid = [];      // (N)
    private int[] _validCount = [];  // (B)
    private float[][] _resid = [];   // residual stream after each sub-layer: (N, d) each
    private float[] _xf = [];        // (N, d) final LN output
    private float[] _fMean = [];
    private float[] _fRstd = [];
    private float[] _pooled = [];    // (B, d)
    private float[] _logits = [];    // (B, C)
    private float[] _probs = [];     // (B, C)
    private float[] _dlogits = [];   // (B, C)
    private float[] _dpooled = [];   // (B, d)
    private float[] _dA = [];        // (N, d) gradient ping-pong buffers
    private float[] _dB = [];
    private float[] _sampleGates = [];  // (B, L·S)
    private int[] _lmRows = [];      // (M) token rows with a target
    private int[] _lmTargets = [];   // (M)
    private float[] _lmIn = [];      // (M, d)
    private float[] _lmLogits = [];  // (M, V), reused for dlogits in backward
    private float[] _lmProbs = [];   // (M, V)
    private float[] _dLmIn = [];     // (M, d)
    private int[] _labels = [];      // (B) labels of the pending classification loss
    private PendingLoss _pending;
    private float _pendingLoss;
    private int _pendingCounted;     // rows counted by the pending loss (labels ≠ −1, or LM targets)

    // Which loss the kept activations belong to, i.e. what Backward would differentiate.
    private enum PendingLoss
    {
        None,
        Classification,
        MaskedTokens,
    }

    /// <param name="gemm">Threading of the matrix products; pass <see cref="GemmOptions.SingleThreaded"/>
    /// when several models train side by side (one per core). Default: all cores.</param>
    public MoETransformer(ModelConfig config, int seed, GemmOptions? gemm = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        _gemm = gemm ?? GemmOptions.Default;
        Config = config;
        Parameters = new ParameterStore(Layout(config));
        _attention = new AttentionBlock?[config.Layers];
        _moe = new MoELayer[config.Layers];
        for (int l = 0; l < config.Layers; l++)
        {
            _attention[l] = config.UseAttention ? new AttentionBlock(config, l, Parameters, _gemm) : null;
            _moe[l] = new MoELayer(config, l, Parameters, _gemm);
        }
        _tokEmb = Parameters[ParameterNames.TokenEmbedding].Offset;
        _posEmb = Parameters[ParameterNames.PositionEmbedding].Offset;
        _finalGamma = Parameters[ParameterNames.FinalLnGamma].Offset;
        _finalBeta = Parameters[ParameterNames.FinalLnBeta].Offset;
        _headW = Parameters[ParameterNames.HeadWeight].Offset;
        _headB = Parameters[ParameterNames.HeadBias].Offset;
        if (config.LmHead)
        {
            _lmW = Parameters[ParameterNames.LmHeadWeight].Offset;
            _lmB = Parameters[ParameterNames.LmHeadBias].Offset;
        }
        _tokensPerExpert = new int[config.Layers * config.Experts];
        _routed = new ExpertMask(config.Layers, config.Experts);
        Initialize(seed);
    }

    public ModelConfig Config { get; }

    public ParameterStore Parameters { get; }

    public IReadOnlyList<MoELayer> MoELayers => _moe;

    /// <summary>Counters and auxiliary losses of the last forward(+backward) pass.</summary>
    public TrainingStepStats LastStep { get; private set; }

    /// <summary>Batch size of the last forward pass.</summary>
    public int LastBatchSize => _batch;

    /// <summary>
    /// Per-sample gate probabilities of the last forward pass: (batch, layers · experts), entry
    /// [b, l·S + e] = mean over sample b's valid tokens of expert e's router softmax in layer l.
    /// </summary>
    public ReadOnlySpan<float> SampleGateProbabilities => _sampleGates.AsSpan(0, _batch * Config.Layers * Config.Experts);

    /// <summary>Experts that received at least one token in the last forward pass.</summary>
    public ExpertMask RoutedExperts => _routed;

    /// <summary>Tokens routed to each expert in the last forward pass, layer-major (l·S + e).</summary>
    public ReadOnlySpan<int> TokensPerExpert => _tokensPerExpert;

    /// <summary>The parameter layout (names and shapes) of a model with this configuration.</summary>
    public static IEnumerable<(string Name, int[] Shape)> Layout(ModelConfig config) => ModelLayout.Of(config);

    /// <summary>Class logits (batch, classes) of a forward pass; the span is valid until the next call.</summary>
    public ReadOnlySpan<float> Forward(ReadOnlySpan<int> tokens, int batch, int seqLen, ReadOnlySpan<int> lengths = default)
    {
        ForwardTrunk(tokens, batch, seqLen, lengths);
        ForwardClassifier();
        Finish(0f);
        return _logits.AsSpan(0, batch * Config.Classes);
    }

    /// <summary>Predicted class per sample.</summary>
    public void Predict(ReadOnlySpan<int> tokens, int batch, int seqLen, Span<int> predictions, ReadOnlySpan<int> lengths = default)
    {
        if (predictions.Length < batch)
        {
            throw new ArgumentException($"predictions has {predictions.Length} slots; expected batch ({batch})");
        }
        var logits = Forward(tokens, batch, seqLen, lengths);
        int c = Config.Classes;
        for (int b = 0; b < batch; b++)
        {
            predictions[b] = TensorPrimitives.IndexOfMax(logits.Slice(b * c, c));
        }
    }

    /// <summary>
    /// Mean classification cross-entropy of a forward pass (labels −1 are ignored). The pass's
    /// activations are kept: <see cref="Backward"/> can follow to back-propagate this loss.
    /// </summary>
    public float Loss(ReadOnlySpan<int> tokens, int batch, int seqLen, ReadOnlySpan<int> labels, ReadOnlySpan<int> lengths = default)
    {
        RequireLabels(labels, batch);
        ForwardTrunk(tokens, batch, seqLen, lengths);
        ForwardClassifier();
        float loss = CrossEntropy.Forward(_probs, _logits, labels, batch, Config.Classes, out int counted);
        labels.CopyTo(_labels);
        Arm(PendingLoss.Classification, loss, counted);
        Finish(loss);
        return loss;
    }

    /// <summary>
    /// Back-propagates the loss of the last <see cref="Loss"/> or <see cref="MaskedTokenLoss"/>
    /// into <see cref="ParameterStore.Grads"/> (overwritten). Experts set in
    /// <paramref name="frozen"/> get no gradient and no backward GEMMs. May be repeated with another
    /// mask on the same pass; any other forward call in between invalidates it.
    /// </summary>
    public void Backward(ExpertMask? frozen = null)
    {
        if (_pending == PendingLoss.None)
        {
            throw new InvalidOperationException("Backward needs a preceding Loss or MaskedTokenLoss call on this model (a Forward, Predict or failed call in between discards its activations)");
        }
        frozen?.RequireShape(Config.Layers, Config.Experts);
        _flops.BackwardDense = 0;
        _flops.BackwardExpert = 0;
        if (_pending == PendingLoss.Classification)
        {
            BackwardClassifier();
        }
        else
        {
            BackwardLmHead();
        }
        BackwardTrunk(frozen);
        Finish(_pendingLoss, backward: true, frozen);
    }

    /// <summary>
    /// One classification training pass: forward, loss, backward into <see cref="ParameterStore.Grads"/>
    /// (overwritten). Experts set in <paramref name="frozen"/> get no gradient and no backward GEMMs.
    /// Returns the task loss; <see cref="LastStep"/> has the auxiliary losses and counters.
    /// </summary>
    public float ForwardBackward(ReadOnlySpan<int> tokens, int batch, int seqLen, ReadOnlySpan<int> labels, ExpertMask? frozen = null, ReadOnlySpan<int> lengths = default)
    {
        frozen?.RequireShape(Config.Layers, Config.Experts);
        float loss = Loss(tokens, batch, seqLen, labels, lengths);
        Backward(frozen);
        return loss;
    }

    // Classification head backward: leaves ∂L/∂(final LN output) in _dA.
    private void BackwardClassifier()
    {
        int batch = _batch, seqLen = _seqLen, c = Config.Classes, d = Config.DModel, n = batch * seqLen;
        Parameters.ZeroGrads();
        var g = Parameters.Grads;
        var p = Parameters.Values;
        CrossEntropy.Backward(_dlogits, _probs, _labels.AsSpan(0, batch), batch, c, _pendingCounted);
        // head: dW += pooledᵀ · dlogits;  db += Σ dlogits;  dpooled = dlogits · Wᵀ
        Gemm.Multiply(true, false, d, c, batch, 1f, _pooled, d, _dlogits, c, 1f, g.AsSpan(_headW, d * c), c, _gemm);
        MoELayer.AddColumnSums(g.AsSpan(_headB, c), _dlogits, batch);
        Gemm.Multiply(false, true, batch, d, c, 1f, _dlogits, c, p.AsSpan(_headW, d * c), c, 0f, _dpooled, d, _gemm);
        _flops.BackwardDense += 2 * FlopCounter.Gemm(batch, c, d);
        // mean-pool: every valid token of sample b gets dpooled[b] / count_b
        var dxf = _dA.AsSpan(0, n * d);
        dxf.Clear();
        for (int b = 0; b < batch; b++)
        {
            float inv = 1f / _validCount[b];
            for (int t = 0; t < _validCount[b]; t++)
            {
                TensorPrimitives.Multiply(_dpooled.AsSpan(b * d, d), inv, dxf.Slice((b * seqLen + t) * d, d));
            }
        }
    }

    /// <summary>
    /// Masked-token cross-entropy of a forward pass: targets (batch·seqLen), −1 = not predicted.
    /// The activations are kept for a following <see cref="Backward"/>.
    /// </summary>
    public float MaskedTokenLoss(ReadOnlySpan<int> tokens, int batch, int seqLen, ReadOnlySpan<int> targets, ReadOnlySpan<int> lengths = default)
    {
        ForwardTrunk(tokens, batch, seqLen, lengths);
        float loss = ForwardLmHead(targets, out int m);
        Arm(PendingLoss.MaskedTokens, loss, m);
        Finish(loss);
        return loss;
    }

    /// <summary>
    /// One masked-token training pass (pre-training objective): per-token vocabulary logits at
    /// the positions whose target is not −1, mean cross-entropy over those positions, backward
    /// into <see cref="ParameterStore.Grads"/> (overwritten). Tokens at target positions are
    /// expected to be masked in <paramref name="tokens"/> already by the caller.
    /// </summary>
    public float ForwardBackwardMaskedTokens(ReadOnlySpan<int> tokens, int batch, int seqLen, ReadOnlySpan<int> targets, ExpertMask? frozen = null, ReadOnlySpan<int> lengths = default)
    {
        frozen?.RequireShape(Config.Layers, Config.Experts);
        float loss = MaskedTokenLoss(tokens, batch, seqLen, targets, lengths);
        Backward(frozen);
        return loss;
    }

    // LM head backward: leaves ∂L/∂(final LN output) in _dA.
    private void BackwardLmHead()
    {
        int m = _pendingCounted, v = Config.Vocab, d = Config.DModel, n = _batch * _seqLen;
        Parameters.ZeroGrads();
        var g = Parameters.Grads;
        var p = Parameters.Values;
        var dxf = _dA.AsSpan(0, n * d);
        dxf.Clear();
        if (m > 0)
        {
            var dlogits = _lmLogits.AsSpan(0, m * v);
            CrossEntropy.Backward(dlogits, _lmProbs, _lmTargets, m, v, m);
            Gemm.Multiply(true, false, d, v, m, 1f, _lmIn, d, dlogits, v, 1f, g.AsSpan(_lmW, d * v), v, _gemm);
            MoELayer.AddColumnSums(g.AsSpan(_lmB, v), dlogits, m);
            Gemm.Multiply(false, true, m, d, v, 1f, dlogits, v, p.AsSpan(_lmW, d * v), v, 0f, _dLmIn, d, _gemm);
            ExpertDispatch.ScatterAdd(dxf, _dLmIn, _lmRows.AsSpan(0, m), d);
            _flops.BackwardDense += 2 * FlopCounter.Gemm(m, v, d);
        }
    }

    private void Arm(PendingLoss kind, float loss, int counted)
    {
        _pending = kind;
        _pendingLoss = loss;
        _pendingCounted = counted;
    }

    private void ForwardTrunk(ReadOnlySpan<int> tokens, int batch, int seqLen, ReadOnlySpan<int> lengths)
    {
        _pending = PendingLoss.None;
        ModelInput.Validate(Config, tokens, batch, seqLen, lengths);
        EnsureCapacity(batch, seqLen);
        _flops.Reset();
        int n = batch * seqLen, d = Config.DModel;
        var p = Parameters.Values;
        tokens[..n].CopyTo(_tokens);
        for (int b = 0; b < batch; b++)
        {
            int len = lengths.IsEmpty ? seqLen : lengths[b];
            _validCount[b] = len;
            _valid.AsSpan(b * seqLen, len).Fill(true);
            _valid.AsSpan(b * seqLen + len, seqLen - len).Clear();
        }
        Embedding.Forward(_resid[0], tokens, p.AsSpan(_tokEmb, Config.Vocab * d), p.AsSpan(_posEmb, Config.SeqLen * d), batch, seqLen, d, Config.Vocab);
        int r = 0;
        var valid = _valid.AsSpan(0, n);
        for (int l = 0; l < Config.Layers; l++)
        {
            if (_attention[l] is { } attn)
            {
                attn.Forward(_resid[r + 1], _resid[r], lengths, batch, seqLen, _flops);
                r++;
            }
            _moe[l].Forward(_resid[r + 1], _resid[r], valid, n, _flops);
            r++;
        }
        LayerNorm.Forward(_xf, _fMean, _fRstd, _resid[r].AsSpan(0, n * d), p.AsSpan(_finalGamma, d), p.AsSpan(_finalBeta, d), n, d);
        CollectRouting();
    }

    private void ForwardClassifier()
    {
        int batch = _batch, seqLen = _seqLen, d = Config.DModel, c = Config.Classes;
        var p = Parameters.Values;
        for (int b = 0; b < batch; b++)
        {
            var pooled = _pooled.AsSpan(b * d, d);
            pooled.Clear();
            for (int t = 0; t < _validCount[b]; t++)
            {
                TensorPrimitives.Add(pooled, _xf.AsSpan((b * seqLen + t) * d, d), pooled);
            }
            TensorPrimitives.Multiply(pooled, 1f / _validCount[b], pooled);
        }
        Gemm.Multiply(false, false, batch, c, d, 1f, _pooled, d, p.AsSpan(_headW, d * c), c, 0f, _logits, c, _gemm);
        MoELayer.AddBias(_logits.AsSpan(0, batch * c), p.AsSpan(_headB, c), batch);
        _flops.ForwardDense += FlopCounter.Gemm(batch, c, d);
    }

    private float ForwardLmHead(ReadOnlySpan<int> targets, out int m)
    {
        if (!Config.LmHead)
        {
            throw new InvalidOperationException("the masked-token objective needs ModelConfig.LmHead = true");
        }
        int n = _batch * _seqLen, d = Config.DModel, v = Config.Vocab;
        if (targets.Length != n)
        {
            throw new ArgumentException($"targets has {targets.Length} entries; expected batch × seqLen = {n}");
        }
        m = 0;
        for (int t = 0; t < n; t++)
        {
            int y = targets[t];
            if (y == CrossEntropy.Ignore)
            {
                continue;
            }
            if ((uint)y >= (uint)v)
            {
                throw new ArgumentOutOfRangeException(nameof(targets), y, $"target at token {t} is {y}; expected -1 (ignore) or a token id in [0, {v})");
            }
            if (!_valid[t])
            {
                throw new ArgumentException($"target at token {t} falls on a padding position; expected -1 there");
            }
            _lmRows[m] = t;
            _lmTargets[m] = y;
            m++;
        }
        if (m == 0)
        {
            return 0f;
        }
        var p = Parameters.Values;
        ExpertDispatch.Gather(_lmIn, _xf, _lmRows.AsSpan(0, m), d);
        Gemm.Multiply(false, false, m, v, d, 1f, _lmIn, d, p.AsSpan(_lmW, d * v), v, 0f, _lmLogits, v, _gemm);
        MoELayer.AddBias(_lmLogits.AsSpan(0, m * v), p.AsSpan(_lmB, v), m);
        _flops.ForwardDense += FlopCounter.Gemm(m, v, d);
        return CrossEntropy.Forward(_lmProbs, _lmLogits, _lmTargets, m, v, out _);
    }

    // Given _dA = ∂L/∂(final LN output), back-propagates to every parameter.
    private void BackwardTrunk(ExpertMask? frozen)
    {
        int batch = _batch, seqLen = _seqLen, n = batch * seqLen, d = Config.DModel;
        var p = Parameters.Values;
        var g = Parameters.Grads;
        int r = _resid.Length - 1;
        var dIn = _dB.AsSpan(0, n * d);
        dIn.Clear();
        LayerNorm.Backward(dIn, g.AsSpan(_finalGamma, d), g.AsSpan(_finalBeta, d), _dA, _resid[r], p.AsSpan(_finalGamma, d), _fMean, _fRstd, n, d);
        (_dA, _dB) = (_dB, _dA);
        var valid = _valid.AsSpan(0, n);
        for (int l = Config.Layers - 1; l >= 0; l--)
        {
            _dB.AsSpan(0, n * d).Clear();
            _moe[l].Backward(_dB, _dA, _resid[r - 1], valid, frozen, _flops);
            (_dA, _dB) = (_dB, _dA);
            r--;
            if (_attention[l] is { } attn)
            {
                _dB.AsSpan(0, n * d).Clear();
                attn.Backward(_dB, _dA, _resid[r - 1], _flops);
                (_dA, _dB) = (_dB, _dA);
                r--;
            }
        }
        Embedding.Backward(g.AsSpan(_tokEmb, Config.Vocab * d), g.AsSpan(_posEmb, Config.SeqLen * d), _dA, _tokens, batch, seqLen, d);
    }

    // Per-sample gate telemetry, routed experts and token counts from every MoE layer.
    private void CollectRouting()
    {
        int batch = _batch, seqLen = _seqLen, s = Config.Experts, width = Config.Layers * s;
        _routed.Clear();
        for (int l = 0; l < Config.Layers; l++)
        {
            var probs = _moe[l].GateProbabilities;
            var counts = _moe[l].TokensPerExpert;
            for (int e = 0; e < s; e++)
            {
                _tokensPerExpert[l * s + e] = counts[e];
                _routed[l, e] = counts[e] > 0;
            }
            for (int b = 0; b < batch; b++)
            {
                var row = _sampleGates.AsSpan(b * width + l * s, s);
                row.Clear();
                for (int t = 0; t < _validCount[b]; t++)
                {
                    TensorPrimitives.Add(row, probs.Slice((b * seqLen + t) * s, s), row);
                }
                TensorPrimitives.Multiply(row, 1f / _validCount[b], row);
            }
        }
    }

    private void Finish(float loss, bool backward = false, ExpertMask? frozen = null)
    {
        float balance = 0f, z = 0f;
        foreach (var layer in _moe)
        {
            balance += layer.BalanceLoss;
            z += layer.ZLoss;
        }
        int trained = 0;
        if (backward)
        {
            for (int l = 0; l < Config.Layers; l++)
            {
                for (int e = 0; e < Config.Experts; e++)
                {
                    trained += _routed[l, e] && !(frozen is not null && frozen[l, e]) ? 1 : 0;
                }
            }
        }
        LastStep = new TrainingStepStats(loss, balance, z, _routed.Count, trained, _flops.ForwardDense, _flops.ForwardExpert, _flops.BackwardDense, _flops.BackwardExpert);
    }

    private static void RequireLabels(ReadOnlySpan<int> labels, int batch)
    {
        if (labels.Length != batch)
        {
            throw new ArgumentException($"labels has {labels.Length} entries; expected one per sample ({batch})");
        }
    }

    private void EnsureCapacity(int batch, int seqLen)
    {
        _batch = batch;
        _seqLen = seqLen;
        int n = batch * seqLen, d = Config.DModel, c = Config.Classes;
        if (n > _capTokens)
        {
            _capTokens = n;
            _tokens = new int[n];
            _valid = new bool[n];
            int streams = 1 + Config.Layers * (Config.UseAttention ? 2 : 1);
            _resid = new float[streams][];
            for (int i = 0; i < streams; i++)
            {
                _resid[i] = new float[n * d];
            }
            _xf = new float[n * d];
            _fMean = new float[n];
            _fRstd = new float[n];
            _dA = new float[n * d];
            _dB = new float[n * d];
            if (Config.LmHead)
            {
                _lmRows = new int[n];
                _lmTargets = new int[n];
                _lmIn = new float[n * d];
                _lmLogits = new float[n * Config.Vocab];
                _lmProbs = new float[n * Config.Vocab];
                _dLmIn = new float[n * d];
            }
        }
        if (batch > _capBatch)
        {
            _capBatch = batch;
            _validCount = new int[batch];
            _labels = new int[batch];
            _pooled = new float[batch * d];
            _logits = new float[batch * c];
            _probs = new float[batch * c];
            _dlogits = new float[batch * c];
            _dpooled = new float[batch * d];
            _sampleGates = new float[batch * Config.Layers * Config.Experts];
        }
    }

    private void Initialize(int seed) => ParameterInit.Initialize(Parameters, Config.Layers, seed);
}
