using TorchSharp;
using static TorchSharp.torch;

namespace HFedMoE.Model.Nn.TorchMoE;

/// <summary>
/// Pre-LN mixture-of-experts sub-layer, as <see cref="MoELayer"/>:
/// y = x + Σ_{e ∈ topk} g_e · FFN_e(LN(x)), router linear d→S (+ bias) → softmax → top-k → gates
/// renormalised over the k chosen; Switch load balancing coef·S·Σ_e f_e·P_e and router z-loss
/// coef·mean logsumexp². Padding rows are not routed and count in no statistic.
///
/// Dispatch costs a fixed number of ops whatever the routing: one host read of the top-k, one
/// gather of every (token, slot) assignment sorted by expert (tokens ascending within an
/// expert), one split into per-expert blocks, two GEMMs per routed expert, one
/// concatenation, one scatter-add back into the residual. Each expert's output passes an
/// <see cref="ExpertGradientGate"/>, so a frozen expert costs no backward at all.
/// </summary>
public sealed class TorchMoELayer : nn.Module
{
    private readonly TorchLayerNorm _ln;
    private readonly TorchExpert[] _experts;
    private readonly int _layer;
    private readonly int _k;
    private readonly double _zCoef;
    private readonly ScalarType _dtype;
    // Held for the layer's lifetime, never converted on the fly: see TorchMoETransformer.
    private readonly TorchSharp.Scalar _one = 1.ToScalar();
    private readonly TorchSharp.Scalar _balanceScale;
    private readonly TorchSharp.Scalar _zScale;

    public TorchMoELayer(ModelConfig config, int layer, ScalarType dtype, Device device)
        : base(nameof(TorchMoELayer))
    {
        ArgumentNullException.ThrowIfNull(config);
        _layer = layer;
        _k = config.TopK;
        _zCoef = config.ZLossCoef;
        _dtype = dtype;
        _balanceScale = ((double)config.LoadBalanceCoef * config.Experts).ToScalar();
        _zScale = _zCoef.ToScalar();
        _ln = new TorchLayerNorm(config.DModel, dtype, device);
        register_module("ln", _ln);
        Router = new TorchSharp.Modules.Parameter(zeros([config.DModel, config.Experts], dtype, device));
        RouterBias = new TorchSharp.Modules.Parameter(zeros(config.Experts, dtype, device));
        register_parameter("router", Router);
        register_parameter("router_bias", RouterBias);
        _experts = [.. Enumerable.Range(0, config.Experts).Select(_ => new TorchExpert(config.DModel, config.ExpertHidden, dtype, device))];
        register_module("experts", nn.ModuleList(_experts));
    }

    public TorchSharp.Modules.Parameter Router { get; }

    public TorchSharp.Modules.Parameter RouterBias { get; }

    public IReadOnlyList<TorchExpert> Experts => _experts;

    /// <summary>x: (B·T, d) → output (B·T, d) with the losses and telemetry of this pass.</summary>
    internal MoELayerOutput Forward(Tensor x, TokenRows rows, FrozenExperts frozen)
    {
        using var scope = NewDisposeScope();
        int s = _experts.Length, k = _k, nValid = rows.ValidCount;
        var ln = _ln.forward(x);                                        // (N, d)
        var logits = RouterBias.addmm(ln, Router);                      // (N, S)
        if (rows.ValidRows is { } valid)
        {
            logits = logits.index_select(0, valid);                     // (Nv, S)
        }
        var probs = nn.functional.softmax(logits, 1);
        var (topProbs, topExperts) = probs.topk(k, dim: 1);             // (Nv, k), descending
        var gates = topProbs / topProbs.sum(1, keepdim: true);

        // Host side: assignments grouped by expert, tokens ascending within an expert.
        long[] chosen = topExperts.cpu().data<long>().ToArray();
        var counts = new int[s];
        foreach (long e in chosen)
        {
            counts[e]++;
        }
        var cursor = new int[s];
        for (int e = 1; e < s; e++)
        {
            cursor[e] = cursor[e - 1] + counts[e - 1];
        }
        var assignedRow = new long[chosen.Length];
        var assignedSlot = new long[chosen.Length];
        for (int slot = 0; slot < chosen.Length; slot++)
        {
            int pos = cursor[chosen[slot]]++;
            assignedRow[pos] = rows.RowOfValid[slot / k];
            assignedSlot[pos] = slot;
        }

        var rowIndex = tensor(assignedRow, device: x.device);
        var xe = ln.index_select(0, rowIndex);                          // (Nv·k, d) sorted by expert
        var gate = gates.reshape(-1).index_select(0, tensor(assignedSlot, device: x.device)).unsqueeze(1);
        var routed = Enumerable.Range(0, s).Where(e => counts[e] > 0).ToArray();
        var blocks = xe.split([.. routed.Select(e => (long)counts[e])]);
        var outputs = new Tensor[routed.Length];
        for (int i = 0; i < routed.Length; i++)
        {
            int e = routed[i];
            var y = _experts[e].forward(blocks[i]);
            // Without a graph (evaluation) there is no backward to gate.
            outputs[i] = is_grad_enabled() ? ExpertGradientGate.Apply(y, frozen, _layer, e) : y;
        }
        var output = x.index_add(0, rowIndex, cat(outputs, 0) * gate, _one);

        // Auxiliary losses: f_e from the counts (no gradient), P_e the mean router probability.
        var share = tensor(counts.Select(c => (double)c / ((double)nValid * k)).ToArray(), dtype: _dtype, device: x.device);
        var balance = (share * probs.mean([0])).sum().mul(_balanceScale);
        var z = _zCoef == 0 ? zeros(1, _dtype, x.device).sum() : Squared(logits.logsumexp(1)).mean().mul(_zScale);
        var sampleGates = rows.Padded
            ? zeros([rows.Batch, s], _dtype, x.device).index_add(0, rows.SampleOfValid, probs.detach(), _one) * rows.InverseLength
            : probs.detach().view(rows.Batch, rows.SeqLen, s).mean([1]);
        return new MoELayerOutput(
            output.MoveToOuterDisposeScope(), balance.MoveToOuterDisposeScope(), z.MoveToOuterDisposeScope(),
            sampleGates.MoveToOuterDisposeScope(), counts);
    }

    // square() is pow(2) with an implicit Scalar; x·x is the same value without one.
    private static Tensor Squared(Tensor x) => x.mul(x);
}
