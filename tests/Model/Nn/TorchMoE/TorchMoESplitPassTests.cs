using HFedMoE.Model.Nn;
using HFedMoE.Model.Nn.TorchMoE;
using HFedMoE.Model.Tests.Torch;

namespace HFedMoE.Model.Tests.Nn.TorchMoE;

/// <summary>
/// Loss (forward, graph kept) followed by Backward(mask) gives exactly the gradients of
/// ForwardBackward(mask): the local trainer scores and selects experts between the two calls,
/// and SNIP probes with an unmasked backward first.
/// </summary>
[Collection(LibTorchThreadsCollection.Name)]
public sealed class TorchMoESplitPassTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Scoring_then_backward_with_a_mask_equals_the_masked_pass_and_can_be_repeated(bool attention)
    {
        var config = TinyModels.Small(attention, lmHead: false);
        using var model = new TorchMoETransformer(config, seed: 21);
        var frozen = Frozen(config, (0, 2), (1, 0));
        int[] tokens = TinyModels.Tokens(), labels = TinyModels.Labels(), lengths = TinyModels.Lengths();

        float fused = model.ForwardBackward(tokens, TinyModels.Batch, TinyModels.SeqLen, labels, frozen, lengths);
        var direct = Gradients(model);
        var directStep = model.LastStep;
        float split = model.Loss(tokens, TinyModels.Batch, TinyModels.SeqLen, labels, lengths);
        var gatesBeforeBackward = model.SampleGateProbabilities.ToArray();
        model.Backward(null);                       // e.g. SNIP's unmasked probe first
        var unmasked = Gradients(model);
        var unmaskedStep = model.LastStep;
        model.Backward(frozen);                     // then the masked backward on the same pass

        Assert.Equal(BitConverter.SingleToInt32Bits(fused), BitConverter.SingleToInt32Bits(split));
        Assert.Equal(direct, Gradients(model));     // bit for bit
        Assert.NotEqual(unmasked, direct);
        Assert.Equal(directStep, model.LastStep);
        Assert.Equal(gatesBeforeBackward, model.SampleGateProbabilities.ToArray());
        Assert.True(unmaskedStep.BackwardFlops > model.LastStep.BackwardFlops, "frozen experts skip their backward GEMMs, and counters do not accumulate across Backward calls");
    }

    [Fact]
    public void Masked_token_loss_then_Backward_gives_the_bits_of_ForwardBackwardMaskedTokens()
    {
        var config = TinyModels.Small();
        using var fused = new TorchMoETransformer(config, seed: 3);
        using var split = new TorchMoETransformer(config, seed: 3);
        var mask = Frozen(config, (1, 2));
        fused.ForwardBackwardMaskedTokens(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, TinyModels.Targets(), mask, TinyModels.Lengths());
        split.MaskedTokenLoss(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, TinyModels.Targets(), TinyModels.Lengths());
        split.Backward(mask);

        Assert.Equal(Gradients(fused), Gradients(split));
        Assert.Equal(fused.LastStep, split.LastStep);
    }

    [Fact]
    public void A_forward_or_a_failed_loss_between_Loss_and_Backward_discards_the_pass()
    {
        using var model = new TorchMoETransformer(TinyModels.Small(lmHead: false), seed: 1);
        model.Loss(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, TinyModels.Labels());
        model.Forward(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen);
        Assert.Contains("Loss", Assert.Throws<InvalidOperationException>(() => model.Backward()).Message, StringComparison.Ordinal);

        model.Loss(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, TinyModels.Labels());
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Loss([99, 0, 0, 0, 0], 1, 5, [0]));
        Assert.Throws<InvalidOperationException>(() => model.Backward());
    }

    private static ExpertMask Frozen(ModelConfig config, params (int Layer, int Expert)[] experts)
    {
        var mask = new ExpertMask(config.Layers, config.Experts);
        foreach (var (l, e) in experts)
        {
            mask[l, e] = true;
        }
        return mask;
    }

    private static float[] Gradients(TorchMoETransformer model)
    {
        var store = new ParameterStore(ModelLayout.Of(model.Config));
        model.GradientsTo(store);
        return store.Grads;
    }
}
