using HFedMoE.Model.Nn;

namespace HFedMoE.Model.Tests.Nn;

/// <summary>
/// Loss (forward, activations kept) followed by Backward(mask) must give exactly the gradients of
/// ForwardBackward(mask): the local trainer scores and selects experts between the two calls.
/// </summary>
public sealed class SplitForwardBackwardTests
{
    private static ExpertMask FreezeFirstRoutedPerLayer(MoETransformer model)
    {
        var mask = new ExpertMask(model.Config.Layers, model.Config.Experts);
        for (int l = 0; l < mask.Layers; l++)
        {
            for (int e = 0; e < mask.Experts; e++)
            {
                if (model.RoutedExperts[l, e])
                {
                    mask[l, e] = true;
                    break;
                }
            }
        }
        return mask;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Loss_then_Backward_gives_the_bits_of_ForwardBackward(bool attention)
    {
        var config = TinyModels.Small(attention);
        var fused = new MoETransformer(config, seed: 7);
        var split = new MoETransformer(config, seed: 7);
        fused.Loss(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, TinyModels.Labels(), TinyModels.Lengths());
        var mask = FreezeFirstRoutedPerLayer(fused);
        Assert.True(mask.Count > 0);

        float fusedLoss = fused.ForwardBackward(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, TinyModels.Labels(), mask, TinyModels.Lengths());
        float splitLoss = split.Loss(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, TinyModels.Labels(), TinyModels.Lengths());
        var gatesBeforeBackward = split.SampleGateProbabilities.ToArray();
        split.Backward(mask);

        Assert.Equal(BitConverter.SingleToInt32Bits(fusedLoss), BitConverter.SingleToInt32Bits(splitLoss));
        Assert.Equal(fused.Parameters.Grads, split.Parameters.Grads);
        Assert.Equal(fused.LastStep, split.LastStep);
        Assert.Equal(gatesBeforeBackward, split.SampleGateProbabilities.ToArray());
        Assert.NotEqual(0f, split.Parameters.Grads.Max(MathF.Abs));
    }

    [Fact]
    public void Masked_token_loss_then_Backward_gives_the_bits_of_ForwardBackwardMaskedTokens()
    {
        var config = TinyModels.Small();
        var fused = new MoETransformer(config, seed: 3);
        var split = new MoETransformer(config, seed: 3);
        var mask = new ExpertMask(config.Layers, config.Experts);
        mask[1, 2] = true;
        fused.ForwardBackwardMaskedTokens(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, TinyModels.Targets(), mask, TinyModels.Lengths());
        split.MaskedTokenLoss(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, TinyModels.Targets(), TinyModels.Lengths());
        split.Backward(mask);
        Assert.Equal(fused.Parameters.Grads, split.Parameters.Grads);
        Assert.Equal(fused.LastStep, split.LastStep);
    }

    [Fact]
    public void Backward_can_be_repeated_with_another_mask_on_the_same_pass()
    {
        var config = TinyModels.Small();
        var once = new MoETransformer(config, seed: 5);
        var twice = new MoETransformer(config, seed: 5);
        once.Loss(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, TinyModels.Labels(), TinyModels.Lengths());
        var mask = FreezeFirstRoutedPerLayer(once);
        once.Backward(mask);

        twice.Loss(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, TinyModels.Labels(), TinyModels.Lengths());
        twice.Backward();   // an unmasked probe first (SNIP does this)
        var unmaskedStats = twice.LastStep;
        twice.Backward(mask);

        Assert.Equal(once.Parameters.Grads, twice.Parameters.Grads);
        Assert.Equal(once.LastStep, twice.LastStep);
        Assert.True(unmaskedStats.BackwardFlops > twice.LastStep.BackwardFlops, "frozen experts skip their backward GEMMs, and counters do not accumulate across Backward calls");
    }

    [Fact]
    public void Backward_without_a_pending_loss_is_refused()
    {
        var model = new MoETransformer(TinyModels.Small(), seed: 1);
        Assert.Throws<InvalidOperationException>(() => model.Backward());
        model.Loss(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, TinyModels.Labels());
        model.Forward(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen);
        var error = Assert.Throws<InvalidOperationException>(() => model.Backward());
        Assert.Contains("Loss", error.Message, StringComparison.Ordinal);
        model.Loss(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, TinyModels.Labels());
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Loss([99, 0, 0, 0, 0], 1, 5, [0]));
        Assert.Throws<InvalidOperationException>(() => model.Backward());
    }

    [Fact]
    public void Backward_rejects_a_mask_of_the_wrong_shape_without_touching_gradients()
    {
        var model = new MoETransformer(TinyModels.Small(), seed: 1);
        model.ForwardBackward(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, TinyModels.Labels());
        var grads = model.Parameters.Grads.ToArray();
        model.Loss(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, TinyModels.Labels());
        Assert.Throws<ArgumentException>(() => model.Backward(new ExpertMask(1, 4)));
        Assert.Equal(grads, model.Parameters.Grads);
    }
}
