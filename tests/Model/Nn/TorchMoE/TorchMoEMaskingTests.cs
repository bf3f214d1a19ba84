using HFedMoE.Model.Nn;
using HFedMoE.Model.Nn.TorchMoE;
using HFedMoE.Model.Tests.Torch;

namespace HFedMoE.Model.Tests.Nn.TorchMoE;

/// <summary>
/// What freezing an expert does to one pass: no gradient for it and none through it into its
/// input, the same gradient as without the mask everywhere downstream, and counters that drop
/// exactly its backward work (ported from the former engine's tests when it was deleted).
/// </summary>
[Collection(LibTorchThreadsCollection.Name)]
public sealed class TorchMoEMaskingTests : IDisposable
{
    private readonly TorchMoETransformer _model = new(TinyModels.Small(), seed: 21);
    private readonly int[] _tokens = TinyModels.Tokens();
    private readonly int[] _labels = TinyModels.Labels();
    private readonly int[] _lengths = TinyModels.Lengths();

    public void Dispose() => _model.Dispose();

    [Fact]
    public void Frozen_experts_get_zero_gradient_and_nothing_above_them_changes()
    {
        float lossFree = Step(null);
        var free = Gradients();
        var frozen = new ExpertMask(2, 4);
        for (int e = 0; e < 4; e++)
        {
            frozen[0, e] = true;
        }
        float lossMasked = Step(frozen);
        var masked = Gradients();

        Assert.Equal(lossFree, lossMasked); // forward routing is unchanged by a mask
        foreach (var slice in masked.Slices)
        {
            var got = masked.GradsOf(slice.Name).ToArray();
            var reference = free.GradsOf(slice.Name).ToArray();
            if (slice.Name.StartsWith("layers.0.moe.experts.", StringComparison.Ordinal))
            {
                Assert.All(got, g => Assert.Equal(0f, g));
                Assert.Null(_model.ParametersByName[slice.Name].grad);
            }
            else if (slice.Name.StartsWith("layers.1.", StringComparison.Ordinal)
                || slice.Name.StartsWith("final_ln.", StringComparison.Ordinal)
                || slice.Name.StartsWith("head.", StringComparison.Ordinal)
                || slice.Name.StartsWith(ParameterNames.Router(0), StringComparison.Ordinal))
            {
                // Layer 1, the head and layer 0's router (trained through the frozen experts' gates)
                // see exactly the gradient they would see without the mask.
                Assert.True(reference.SequenceEqual(got), $"{slice.Name}: the mask changed a gradient downstream of the frozen experts");
            }
        }
        Assert.Contains(masked.GradsOf(ParameterNames.Router(0)).ToArray(), g => g != 0f);
        // Below the frozen experts the gradient differs: none flows through them into their input.
        Assert.False(free.GradsOf(ParameterNames.Attention(0, "wqkv")).SequenceEqual(masked.GradsOf(ParameterNames.Attention(0, "wqkv"))));
    }

    [Fact]
    public void Counters_report_routed_experts_backward_passes_and_flops_split()
    {
        var config = _model.Config;
        Step(null);
        var free = _model.LastStep;
        Assert.Equal(_model.RoutedExperts.Count, free.RoutedExperts);
        Assert.Equal(free.RoutedExperts, free.ExpertsWithBackward);
        Assert.Equal(2 * free.ForwardFlopsExpert, free.BackwardFlopsExpert);
        long validTokens = _lengths.Sum();
        Assert.Equal(config.Layers * validTokens * config.TopK * 4L * config.DModel * config.ExpertHidden, free.ForwardFlopsExpert);

        var frozen = new ExpertMask(2, 4);
        frozen[1, 2] = true;
        Assert.True(_model.RoutedExperts[1, 2], "test needs expert (1,2) routed");
        Step(frozen);
        var masked = _model.LastStep;
        Assert.Equal(free.RoutedExperts - 1, masked.ExpertsWithBackward);
        long expert12Tokens = _model.TokensPerExpert[1 * 4 + 2];
        Assert.Equal(free.BackwardFlopsExpert - 8L * expert12Tokens * config.DModel * config.ExpertHidden, masked.BackwardFlopsExpert);
        Assert.Equal(free.BackwardFlopsDense, masked.BackwardFlopsDense);
        Assert.Equal(free.ForwardFlops, masked.ForwardFlops);

        frozen.SetAll(true);
        Step(frozen);
        Assert.Equal(0, _model.LastStep.BackwardFlopsExpert);
        Assert.Equal(0, _model.LastStep.ExpertsWithBackward);
        Assert.Equal(free.RoutedExperts, _model.LastStep.RoutedExperts);
    }

    [Fact]
    public void A_mask_of_the_wrong_shape_is_rejected_before_any_work_and_leaves_the_gradients()
    {
        Step(null);
        var before = Gradients().Grads;
        var ex = Assert.Throws<ArgumentException>(() => _model.ForwardBackward(_tokens, 3, 5, _labels, new ExpertMask(2, 5)));
        Assert.Contains("expected 2 × 4", ex.Message, StringComparison.Ordinal);

        _model.Loss(_tokens, TinyModels.Batch, TinyModels.SeqLen, _labels, _lengths);
        Assert.Throws<ArgumentException>(() => _model.Backward(new ExpertMask(1, 4)));
        Assert.Equal(before, Gradients().Grads);
    }

    private float Step(ExpertMask? frozen)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        return _model.ForwardBackward(_tokens, TinyModels.Batch, TinyModels.SeqLen, _labels, frozen, _lengths);
    }

    private ParameterStore Gradients()
    {
        var store = new ParameterStore(ModelLayout.Of(_model.Config));
        _model.GradientsTo(store);
        return store;
    }
}
