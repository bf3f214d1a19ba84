using HFedMoE.Model.Nn;
using HFedMoE.Model.Nn.TorchMoE;
using Xunit.Abstractions;

using HFedMoE.Model.Tests.Torch;

namespace HFedMoE.Model.Tests.Nn.TorchMoE;

/// <summary>
/// The TorchSharp model and our former engine, loaded from the same weights, give the same loss,
/// auxiliary losses, routing telemetry, FLOP counts and gradients (float32 both; tolerance per
/// gradient tensor: |Δ| ≤ 1e-6 + 5e-5 · max |g| of that tensor, losses to 2e-6 relative), with
/// every expert trained and with frozen experts.
/// </summary>
[Collection(LibTorchThreadsCollection.Name)]
public sealed class TorchMoEParityTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Classification_loss_and_gradients_match_the_former_engine(bool attention, bool masked)
    {
        var config = TinyModels.Small(attention, lmHead: false) with { DModel = 16, ExpertHidden = 24 };
        var former = new MoETransformer(config, seed: 3);
        using var model = new TorchMoETransformer(config, seed: 99);
        model.LoadFrom(former.Parameters);
        var frozen = masked ? Frozen(config, (0, 1), (1, 2), (1, 3)) : null;
        int[] tokens = TinyModels.Tokens(), labels = TinyModels.Labels(), lengths = TinyModels.Lengths();

        float expected = former.ForwardBackward(tokens, TinyModels.Batch, TinyModels.SeqLen, labels, frozen, lengths);
        float actual = model.ForwardBackward(tokens, TinyModels.Batch, TinyModels.SeqLen, labels, frozen, lengths);

        AssertSameStep(former, model, expected, actual);
        AssertSameGradients(former, model);
    }

    [Fact]
    public void Masked_token_loss_and_gradients_match_the_former_engine()
    {
        var config = TinyModels.Small(attention: true, lmHead: true) with { CausalAttention = false };
        var former = new MoETransformer(config, seed: 11);
        using var model = new TorchMoETransformer(config, seed: 11);
        var frozen = Frozen(config, (0, 0), (1, 1));
        int[] tokens = TinyModels.Tokens(), targets = TinyModels.Targets(), lengths = TinyModels.Lengths();

        float expected = former.ForwardBackwardMaskedTokens(tokens, TinyModels.Batch, TinyModels.SeqLen, targets, frozen, lengths);
        float actual = model.ForwardBackwardMaskedTokens(tokens, TinyModels.Batch, TinyModels.SeqLen, targets, frozen, lengths);

        AssertSameStep(former, model, expected, actual);
        AssertSameGradients(former, model);
    }

    [Fact]
    public void Causal_attention_without_padding_matches_the_former_engine()
    {
        var config = TinyModels.Small(attention: true, lmHead: false) with { CausalAttention = true };
        var former = new MoETransformer(config, seed: 4);
        using var model = new TorchMoETransformer(config, seed: 4);
        int[] tokens = TinyModels.Tokens(), labels = TinyModels.Labels();

        float expected = former.ForwardBackward(tokens, TinyModels.Batch, TinyModels.SeqLen, labels);
        float actual = model.ForwardBackward(tokens, TinyModels.Batch, TinyModels.SeqLen, labels);

        AssertSameStep(former, model, expected, actual);
        AssertSameGradients(former, model);
    }

    [Fact]
    public void Scoring_then_backward_with_a_mask_equals_the_masked_pass_and_can_be_repeated()
    {
        var config = TinyModels.Small(attention: true, lmHead: false);
        using var model = new TorchMoETransformer(config, seed: 21);
        var frozen = Frozen(config, (0, 2), (1, 0));
        int[] tokens = TinyModels.Tokens(), labels = TinyModels.Labels(), lengths = TinyModels.Lengths();

        model.ForwardBackward(tokens, TinyModels.Batch, TinyModels.SeqLen, labels, frozen, lengths);
        var direct = Gradients(model);
        model.Loss(tokens, TinyModels.Batch, TinyModels.SeqLen, labels, lengths);
        model.Backward(null);                       // e.g. SNIP's unmasked probe first
        var unmasked = Gradients(model);
        model.Backward(frozen);                     // then the masked backward on the same pass
        var split = Gradients(model);

        Assert.Equal(direct, split);                // bit for bit
        Assert.NotEqual(unmasked, split);
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

    private void AssertSameStep(MoETransformer former, TorchMoETransformer model, float expected, float actual)
    {
        output.WriteLine($"loss former {expected:R} torch {actual:R}");
        Assert.Equal(expected, actual, 2e-6 * Math.Abs(expected));
        var a = former.LastStep;
        var b = model.LastStep;
        Assert.Equal(a.BalanceLoss, b.BalanceLoss, 2e-6 * Math.Abs(a.BalanceLoss) + 1e-9);
        Assert.Equal(a.ZLoss, b.ZLoss, 2e-6 * Math.Abs(a.ZLoss) + 1e-9);
        Assert.Equal(a.RoutedExperts, b.RoutedExperts);
        Assert.Equal(a.ExpertsWithBackward, b.ExpertsWithBackward);
        Assert.Equal((a.ForwardFlopsDense, a.ForwardFlopsExpert, a.BackwardFlopsDense, a.BackwardFlopsExpert),
            (b.ForwardFlopsDense, b.ForwardFlopsExpert, b.BackwardFlopsDense, b.BackwardFlopsExpert));
        Assert.Equal(former.TokensPerExpert.ToArray(), model.TokensPerExpert.ToArray());
        Assert.Equal(former.RoutedExperts.Flags.ToArray(), model.RoutedExperts.Flags.ToArray());
        var gatesA = former.SampleGateProbabilities.ToArray();
        var gatesB = model.SampleGateProbabilities.ToArray();
        Assert.Equal(gatesA.Length, gatesB.Length);
        for (int i = 0; i < gatesA.Length; i++)
        {
            Assert.Equal(gatesA[i], gatesB[i], 1e-6);
        }
    }

    private void AssertSameGradients(MoETransformer former, TorchMoETransformer model)
    {
        var store = new ParameterStore(ModelLayout.Of(model.Config));
        model.GradientsTo(store);
        double worst = 0;
        foreach (var slice in former.Parameters.Slices)
        {
            var expected = former.Parameters.GradsOf(slice.Name);
            var actual = store.GradsOf(slice.Name);
            float scale = 0;
            foreach (float g in expected)
            {
                scale = Math.Max(scale, Math.Abs(g));
            }
            for (int i = 0; i < expected.Length; i++)
            {
                double diff = Math.Abs(expected[i] - actual[i]);
                worst = Math.Max(worst, scale > 0 ? diff / scale : diff);
                Assert.True(diff <= 1e-6 + 5e-5 * scale, $"{slice.Name}[{i}]: former {expected[i]:G9}, torch {actual[i]:G9} (max |g| {scale:G4})");
            }
        }
        output.WriteLine($"largest gradient difference relative to its tensor's max |g|: {worst:E2}");
    }
}
