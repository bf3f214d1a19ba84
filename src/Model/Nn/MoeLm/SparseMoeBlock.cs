using TorchSharp;
using static TorchSharp.torch;

namespace HFedMoE.Model.Nn.MoeLm;

/// <summary>
/// Mixtral's <c>block_sparse_moe</c> / Qwen3-MoE's <c>mlp</c>: the router, the top-k and the
/// per-expert dispatch in one module. Router: softmax over all experts (in float32), the top-k,
/// renormalised over the chosen ones when <c>normTopK</c> (always for Mixtral). Returns the
/// output and the router's probabilities, so that importance and telemetry live outside.
/// An expert the client does not hold (<paramref name="holds"/> false) is absent: tokens routed to
/// it get nothing from it, exactly as if its output were zero.
/// </summary>
public sealed class SparseMoeBlock : nn.Module<Tensor, (Tensor Output, Tensor RouterProbs, Tensor TopIndices)>
{
    private readonly nn.Module<Tensor, Tensor> _gate;
    private readonly SwiGluExpert?[] _experts;
    private readonly int _topK;
    private readonly bool _normTopK;
    // Held, not converted on the fly: see TorchMoETransformer.
    private readonly TorchSharp.Scalar _one = 1.ToScalar();

    public SparseMoeBlock(bool mixtral, long hidden, long expertHidden, int experts, int topK, bool normTopK, Func<int, bool> holds)
        : base(nameof(SparseMoeBlock))
    {
        ArgumentNullException.ThrowIfNull(holds);
        _topK = topK;
        _normTopK = normTopK;
        _gate = nn.Linear(hidden, experts, hasBias: false);
        register_module("gate", _gate);
        _experts = new SwiGluExpert?[experts];
        for (int e = 0; e < experts; e++)
        {
            _experts[e] = holds(e) ? new SwiGluExpert(mixtral, hidden, expertHidden) : null;
        }
        register_module("experts", new ExpertSet(_experts));
    }

    public int ExpertCount => _experts.Length;

    /// <summary>x: (N, H) → output (N, H), router probabilities (N, E), chosen experts (N, k).</summary>
    public override (Tensor Output, Tensor RouterProbs, Tensor TopIndices) forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var probs = nn.functional.softmax(_gate.forward(x).to_type(ScalarType.Float32), 1);
        var (weights, indices) = probs.topk(_topK, dim: 1);
        if (_normTopK)
        {
            weights = weights / weights.sum(1, keepdim: true);
        }
        var output = zeros_like(x);
        // One host read of the routing, not one per expert.
        long[] chosen = indices.cpu().data<long>().ToArray();
        var byExpert = new List<long>[_experts.Length];
        for (int i = 0; i < chosen.Length; i++)
        {
            (byExpert[chosen[i]] ??= []).Add(i);
        }
        var flatWeights = weights.reshape(-1);
        for (int e = 0; e < _experts.Length; e++)
        {
            if (byExpert[e] is not { } slots || _experts[e] is not { } expert)
            {
                continue;
            }
            long[] slotArray = [.. slots];
            long[] tokenArray = [.. slots.Select(s => s / _topK)];
            var tokens = tensor(tokenArray, device: x.device);
            var w = flatWeights.index_select(0, tensor(slotArray, device: x.device)).unsqueeze(1);
            var y = expert.forward(x.index_select(0, tokens)) * w.to_type(x.dtype);
            output = output.index_add(0, tokens, y, _one);
        }
        return (output.MoveToOuterDisposeScope(), probs.MoveToOuterDisposeScope(), indices.MoveToOuterDisposeScope());
    }
}
