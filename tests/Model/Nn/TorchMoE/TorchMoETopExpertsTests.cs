using HFedMoE.Model.Nn.TorchMoE;
using HFedMoE.Model.Tests.Torch;

namespace HFedMoE.Model.Tests.Nn.TorchMoE;

[Collection(LibTorchThreadsCollection.Name)]
public sealed class TorchMoETopExpertsTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Each_valid_token_gets_k_distinct_experts_whose_counts_are_the_layers_own_routing(bool attention)
    {
        var config = TinyModels.Small(attention);
        using var model = new TorchMoETransformer(config, seed: 5);
        int[] lengths = TinyModels.Lengths();

        var top = model.TopExperts(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, lengths);
        int[] routed = model.TokensPerExpert.ToArray();
        model.Forward(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, lengths);

        Assert.Equal(model.TokensPerExpert.ToArray(), routed);
        Assert.Equal(config.Layers, top.Length);
        int k = config.TopK;
        for (int l = 0; l < config.Layers; l++)
        {
            Assert.Equal(TinyModels.Batch * TinyModels.SeqLen * k, top[l].Length);
            var counts = new int[config.Experts];
            for (int b = 0; b < TinyModels.Batch; b++)
            {
                for (int t = 0; t < TinyModels.SeqLen; t++)
                {
                    var chosen = top[l].AsSpan((b * TinyModels.SeqLen + t) * k, k).ToArray();
                    if (t >= lengths[b])
                    {
                        Assert.All(chosen, e => Assert.Equal(-1, e));
                        continue;
                    }
                    Assert.Equal(k, chosen.Distinct().Count());
                    foreach (int e in chosen)
                    {
                        Assert.InRange(e, 0, config.Experts - 1);
                        counts[e]++;
                    }
                }
            }
            // The same decision TorchMoELayer took in the forward: its per-expert token counts.
            Assert.Equal(routed.AsSpan(l * config.Experts, config.Experts).ToArray(), counts);
        }
    }

    [Fact]
    public void A_pending_training_pass_is_discarded()
    {
        var config = TinyModels.Small();
        using var model = new TorchMoETransformer(config, seed: 5);
        model.Loss(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, TinyModels.Labels(), TinyModels.Lengths());

        model.TopExperts(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, TinyModels.Lengths());

        Assert.Throws<InvalidOperationException>(() => model.Backward());
    }
}
