using System.Numerics.Tensors;
using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Nn;

/// <summary>
/// Pre-LN mixture-of-experts sub-layer: y = x + Σ_{e ∈ topk(x)} g_e(x) · FFN_e(LN(x)).
/// Router: linear d→S (+ bias), softmax, top-k, gates renormalised over the k chosen experts.
/// Dispatch: the tokens routed to each expert are gathered into one dense block, so every expert
/// runs as two GEMMs (W1: d×h, GELU, W2: h×d, with biases) and is combined back with its gate.
/// Auxiliary losses (per layer): Switch load balancing coef·S·Σ_e f_e·P_e with f_e the share of
/// token→expert assignments going to e and P_e the mean gate probability, and router z-loss
/// coef·mean_t logsumexp(z_t)². Padding tokens are not routed and count in no statistic.
///
/// Frozen experts (<see cref="ExpertMask"/>): their weights get no gradient, and their four
/// backward GEMMs are skipped entirely — which also stops the gradient that would flow through
/// the frozen expert into its input (it acts as a constant of its input for that step). The
/// router gradient through the frozen expert's gate weight IS kept (∂L/∂g_e = ⟨FFN_e(x), ∂L/∂y⟩
/// needs only forward results), so the router keeps learning about every routed expert.
/// </summary>
public sealed class MoELayer
{
    private readonly ParameterStore _store;
    private readonly GemmOptions _gemm;
    private readonly int _layer;
    private readonly int _d;
    private readonly int _s;
    private readonly int _k;
    private readonly int _h;
    private readonly float _balanceCoef;
    private readonly float _zCoef;
    private readonly int _lnGamma;
    private readonly int _lnBeta;
    private readonly int _router;
    private readonly int _routerBias;
    private readonly int[] _w1;
    private readonly int[] _b1;
    private readonly int[] _w2;
    private readonly int[] _b2;

    private int _capacity;
    private int _n;
    private int _nValid;
    // Forward activations, sized for _capacity tokens.
    private float[] _ln = [];       // (N, d)
    private float[] _lnMean = [];   // (N)
    private float[] _lnRstd = [];   // (N)
    private float[] _probs = [];    // (N, S) router softmax; 0 for padding tokens
    private float[] _logits = [];   // (N, S)
    private float[] _lse = [];      // (N) logsumexp of router logits
    private int[] _topExpert = [];  // (N, k)
    private float[] _topGate = [];  // (N, k) renormalised gates
    private int[] _slotAssignment = []; // (N, k) → position in the expert-sorted assignment list
    private readonly int[] _expertCount;
    private readonly int[] _expertStart;
    private int[] _assignToken = [];  // (N·k) token row of each assignment, grouped by expert
    private float[] _assignGate = []; // (N·k)
    private float[] _xe = [];    // (N·k, d) gathered inputs
    private float[] _hpre = [];  // (N·k, h)
    private float[] _hact = [];  // (N·k, h)
    private float[] _ye = [];    // (N·k, d) expert outputs
    // Backward scratch.
    private float[] _dln = [];
    private float[] _dlogits = [];
    private float[] _dprobs = [];
    private float[] _dgate = [];  // (N·k) per assignment
    private float[] _dye = [];
    private float[] _dh = [];
    private float[] _dxe = [];
    private readonly float[] _f;
    private readonly float[] _meanProb;

    public MoELayer(ModelConfig config, int layer, ParameterStore store, GemmOptions? gemm = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _gemm = gemm ?? GemmOptions.Default;
        _layer = layer;
        _d = config.DModel;
        _s = config.Experts;
        _k = config.TopK;
        _h = config.ExpertHidden;
        _balanceCoef = config.LoadBalanceCoef;
        _zCoef = config.ZLossCoef;
        _lnGamma = store[ParameterNames.Moe(layer, "ln.gamma")].Offset;
        _lnBeta = store[ParameterNames.Moe(layer, "ln.beta")].Offset;
        _router = store[ParameterNames.Router(layer)].Offset;
        _routerBias = store[ParameterNames.RouterBias(layer)].Offset;
        _w1 = new int[_s];
        _b1 = new int[_s];
        _w2 = new int[_s];
        _b2 = new int[_s];
        for (int e = 0; e < _s; e++)
        {
            _w1[e] = store[ParameterNames.Expert(layer, e, "w1")].Offset;
            _b1[e] = store[ParameterNames.Expert(layer, e, "b1")].Offset;
            _w2[e] = store[ParameterNames.Expert(layer, e, "w2")].Offset;
            _b2[e] = store[ParameterNames.Expert(layer, e, "b2")].Offset;
        }
        _expertCount = new int[_s];
        _expertStart = new int[_s + 1];
        _f = new float[_s];
        _meanProb = new float[_s];
    }

    /// <summary>Parameters (name, shape) of MoE layer <paramref name="layer"/>, in storage order.</summary>
    public static IEnumerable<(string Name, int[] Shape)> Layout(ModelConfig config, int layer) => ModelLayout.Moe(config, layer);

    /// <summary>Router softmax of the last forward pass: (tokens, S); rows of padding tokens are 0.</summary>
    public ReadOnlySpan<float> GateProbabilities => _probs.AsSpan(0, _n * _s);

    /// <summary>Tokens routed to each expert in the last forward pass.</summary>
    public ReadOnlySpan<int> TokensPerExpert => _expertCount;

    /// <summary>Top-k experts per token of the last forward pass: (tokens, k); −1 for padding tokens.</summary>
    public ReadOnlySpan<int> TopExperts => _topExpert.AsSpan(0, _n * _k);

    /// <summary>Renormalised gate weights matching <see cref="TopExperts"/>.</summary>
    public ReadOnlySpan<float> TopGates => _topGate.AsSpan(0, _n * _k);

    public float BalanceLoss { get; private set; }

    public float ZLoss { get; private set; }

    // out, inp: (N, d); valid: (N) false for padding tokens
    internal void Forward(Span<float> output, ReadOnlySpan<float> input, ReadOnlySpan<bool> valid, int n, FlopCounter flops)
    {
        EnsureCapacity(n);
        _n = n;
        int d = _d, s = _s, k = _k, h = _h;
        var p = _store.Values;

        // 1. LN, router logits, softmax, logsumexp.
        LayerNorm.Forward(_ln, _lnMean, _lnRstd, input[..(n * d)], p.AsSpan(_lnGamma, d), p.AsSpan(_lnBeta, d), n, d);
        Gemm.Multiply(false, false, n, s, d, 1f, _ln, d, p.AsSpan(_router, d * s), s, 0f, _logits, s, _gemm);
        flops.ForwardDense += FlopCounter.Gemm(n, s, d);
        var routerBias = p.AsSpan(_routerBias, s);
        _nValid = 0;
        for (int t = 0; t < n; t++)
        {
            var z = _logits.AsSpan(t * s, s);
            var prob = _probs.AsSpan(t * s, s);
            TensorPrimitives.Add(z, routerBias, z);
            if (!valid[t])
            {
                prob.Clear();
                _lse[t] = 0f;
                _topExpert.AsSpan(t * k, k).Fill(-1);
                _topGate.AsSpan(t * k, k).Clear();
                continue;
            }
            _nValid++;
            Softmax.ForwardRow(prob, z);
            // p_max = 1/Σexp(z − z_max), so logsumexp = z_max − log p_max.
            _lse[t] = TensorPrimitives.Max(z) - MathF.Log(TensorPrimitives.Max(prob));
            TopKRouting.Select(prob, _topExpert.AsSpan(t * k, k), _topGate.AsSpan(t * k, k));
        }

        // 2. Dispatch: assignments grouped by expert, tokens in ascending order within an expert.
        Array.Clear(_expertCount);
        for (int i = 0; i < n * k; i++)
        {
            if (_topExpert[i] >= 0)
            {
                _expertCount[_topExpert[i]]++;
            }
        }
        _expertStart[0] = 0;
        for (int e = 0; e < s; e++)
        {
            _expertStart[e + 1] = _expertStart[e] + _expertCount[e];
        }
        Span<int> cursor = stackalloc int[s];
        _expertStart.AsSpan(0, s).CopyTo(cursor);
        for (int t = 0; t < n; t++)
        {
            for (int j = 0; j < k; j++)
            {
                int e = _topExpert[t * k + j];
                if (e < 0)
                {
                    continue;
                }
                int pos = cursor[e]++;
                _assignToken[pos] = t;
                _assignGate[pos] = _topGate[t * k + j];
                _slotAssignment[t * k + j] = pos;
            }
        }

        // 3. Experts as GEMMs over their gathered tokens, combined into the residual.
        input[..(n * d)].CopyTo(output);
        for (int e = 0; e < s; e++)
        {
            int count = _expertCount[e];
            if (count == 0)
            {
                continue;
            }
            int start = _expertStart[e];
            var rows = _assignToken.AsSpan(start, count);
            var xe = _xe.AsSpan(start * d, count * d);
            var hpre = _hpre.AsSpan(start * h, count * h);
            var hact = _hact.AsSpan(start * h, count * h);
            var ye = _ye.AsSpan(start * d, count * d);
            ExpertDispatch.Gather(xe, _ln, rows, d);
            Gemm.Multiply(false, false, count, h, d, 1f, xe, d, p.AsSpan(_w1[e], d * h), h, 0f, hpre, h, _gemm);
            Gelu.ForwardWithBias(hact, hpre, p.AsSpan(_b1[e], h), _gemm);
            Gemm.Multiply(false, false, count, d, h, 1f, hact, h, p.AsSpan(_w2[e], h * d), d, 0f, ye, d, _gemm);
            AddBias(ye, p.AsSpan(_b2[e], d), count);
            ExpertDispatch.Combine(output, ye, rows, _assignGate.AsSpan(start, count), d);
            flops.ForwardExpert += 2 * FlopCounter.Gemm(count, h, d);
        }

        // 4. Auxiliary losses.
        Array.Clear(_meanProb);
        double z2 = 0;
        for (int t = 0; t < n; t++)
        {
            if (valid[t])
            {
                TensorPrimitives.Add(_meanProb, _probs.AsSpan(t * s, s), _meanProb);
                z2 += (double)_lse[t] * _lse[t];
            }
        }
        float balance = 0f;
        if (_nValid > 0)
        {
            for (int e = 0; e < s; e++)
            {
                _meanProb[e] /= _nValid;
                _f[e] = (float)_expertCount[e] / (_nValid * k);
                balance += _f[e] * _meanProb[e];
            }
        }
        BalanceLoss = _balanceCoef * s * balance;
        ZLoss = _nValid > 0 ? (float)(_zCoef * z2 / _nValid) : 0f;
    }

    // dinp += ∂L/∂x given dout = ∂L/∂y (the residual passes dout straight through).
    internal void Backward(Span<float> dinput, ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<bool> valid, ExpertMask? frozen, FlopCounter flops)
    {
        int n = _n, d = _d, s = _s, k = _k, h = _h;
        var p = _store.Values;
        var g = _store.Grads;
        TensorPrimitives.Add(dinput[..(n * d)], doutput[..(n * d)], dinput[..(n * d)]);
        var dln = _dln.AsSpan(0, n * d);
        dln.Clear();
        _dgate.AsSpan(0, n * k).Clear();

        // 1. Experts: gate gradients always; weight and input gradients only when not frozen.
        for (int e = 0; e < s; e++)
        {
            int count = _expertCount[e];
            if (count == 0)
            {
                continue;
            }
            int start = _expertStart[e];
            bool isFrozen = frozen is not null && frozen[_layer, e];
            var rows = _assignToken.AsSpan(start, count);
            var dye = _dye.AsSpan(start * d, count * d);
            ExpertDispatch.CombineBackward(
                isFrozen ? Span<float>.Empty : dye, _dgate.AsSpan(start, count), doutput, _ye.AsSpan(start * d, count * d),
                rows, _assignGate.AsSpan(start, count), d);
            if (isFrozen)
            {
                continue;
            }
            var xe = _xe.AsSpan(start * d, count * d);
            var hpre = _hpre.AsSpan(start * h, count * h);
            var hact = _hact.AsSpan(start * h, count * h);
            var dh = _dh.AsSpan(start * h, count * h);
            var dxe = _dxe.AsSpan(start * d, count * d);
            // dhact = dye · W2ᵀ;  dW2 += hactᵀ · dye;  db2 += Σ dye
            Gemm.Multiply(false, true, count, h, d, 1f, dye, d, p.AsSpan(_w2[e], h * d), d, 0f, dh, h, _gemm);
            Gemm.Multiply(true, false, h, d, count, 1f, hact, h, dye, d, 1f, g.AsSpan(_w2[e], h * d), d, _gemm);
            AddColumnSums(g.AsSpan(_b2[e], d), dye, count);
            // dhpre overwrites dhact in place: one buffer fewer to clear and stream through.
            Gelu.BackwardOverwrite(dh, hpre, dh, _gemm);
            var dhpre = dh;
            // dW1 += xeᵀ · dhpre;  db1 += Σ dhpre;  dxe = dhpre · W1ᵀ, scattered back to token rows
            Gemm.Multiply(true, false, d, h, count, 1f, xe, d, dhpre, h, 1f, g.AsSpan(_w1[e], d * h), h, _gemm);
            AddColumnSums(g.AsSpan(_b1[e], h), dhpre, count);
            Gemm.Multiply(false, true, count, d, h, 1f, dhpre, h, p.AsSpan(_w1[e], d * h), h, 0f, dxe, d, _gemm);
            ExpertDispatch.ScatterAdd(dln, dxe, rows, d);
            flops.BackwardExpert += 4 * FlopCounter.Gemm(count, h, d);
        }

        // 2. Gates → probabilities (through the renormalisation g_j = p_j / Σ_i p_i), plus aux losses.
        var dprobs = _dprobs.AsSpan(0, n * s);
        var dlogits = _dlogits.AsSpan(0, n * s);
        dprobs.Clear();
        dlogits.Clear();
        float balanceScale = _nValid > 0 ? _balanceCoef * s / _nValid : 0f;
        float zScale = _nValid > 0 ? 2f * _zCoef / _nValid : 0f;
        for (int t = 0; t < n; t++)
        {
            if (!valid[t])
            {
                continue;
            }
            var prob = _probs.AsSpan(t * s, s);
            var dp = dprobs.Slice(t * s, s);
            float sum = 0f;
            float weighted = 0f;
            for (int j = 0; j < k; j++)
            {
                sum += prob[_topExpert[t * k + j]];
                weighted += _dgate[_slotAssignment[t * k + j]] * _topGate[t * k + j];
            }
            for (int j = 0; j < k; j++)
            {
                dp[_topExpert[t * k + j]] += (_dgate[_slotAssignment[t * k + j]] - weighted) / sum;
            }
            if (balanceScale != 0f)
            {
                TensorPrimitives.MultiplyAdd(_f, balanceScale, dp, dp);
            }
            var dz = dlogits.Slice(t * s, s);
            Softmax.BackwardRow(dz, dp, prob);
            if (zScale != 0f)
            {
                TensorPrimitives.MultiplyAdd(prob, zScale * _lse[t], dz, dz);
            }
        }

        // 3. Router: dWr += lnᵀ · dlogits;  dbr += Σ dlogits;  dln += dlogits · Wrᵀ
        Gemm.Multiply(true, false, d, s, n, 1f, _ln, d, dlogits, s, 1f, g.AsSpan(_router, d * s), s, _gemm);
        AddColumnSums(g.AsSpan(_routerBias, s), dlogits, n);
        Gemm.Multiply(false, true, n, d, s, 1f, dlogits, s, p.AsSpan(_router, d * s), s, 1f, dln, d, _gemm);
        flops.BackwardDense += 2 * FlopCounter.Gemm(n, s, d);

        // 4. Layer norm.
        LayerNorm.Backward(dinput, g.AsSpan(_lnGamma, d), g.AsSpan(_lnBeta, d), dln, input, p.AsSpan(_lnGamma, d), _lnMean, _lnRstd, n, d);
    }

    private void EnsureCapacity(int n)
    {
        if (n <= _capacity)
        {
            return;
        }
        int d = _d, s = _s, k = _k, h = _h;
        _capacity = n;
        _ln = new float[n * d];
        _lnMean = new float[n];
        _lnRstd = new float[n];
        _probs = new float[n * s];
        _logits = new float[n * s];
        _lse = new float[n];
        _topExpert = new int[n * k];
        _topGate = new float[n * k];
        _slotAssignment = new int[n * k];
        _assignToken = new int[n * k];
        _assignGate = new float[n * k];
        _xe = new float[n * k * d];
        _hpre = new float[n * k * h];
        _hact = new float[n * k * h];
        _ye = new float[n * k * d];
        _dln = new float[n * d];
        _dlogits = new float[n * s];
        _dprobs = new float[n * s];
        _dgate = new float[n * k];
        _dye = new float[n * k * d];
        _dh = new float[n * k * h];
        _dxe = new float[n * k * d];
    }

    internal static void AddBias(Span<float> rows, ReadOnlySpan<float> bias, int count)
    {
        int c = bias.Length;
        for (int r = 0; r < count; r++)
        {
            var row = rows.Slice(r * c, c);
            TensorPrimitives.Add(row, bias, row);
        }
    }

    internal static void AddColumnSums(Span<float> target, ReadOnlySpan<float> rows, int count)
    {
        int c = target.Length;
        for (int r = 0; r < count; r++)
        {
            TensorPrimitives.Add(target, rows.Slice(r * c, c), target);
        }
    }
}
