using HFedMoE.Model.Nn;
using HFedMoE.Model.Nn.TorchMoE;
using HFedMoE.Model.Tests.Torch;

namespace HFedMoE.Model.Tests.Nn.TorchMoE;

/// <summary>The model's names, routing telemetry and input checks (ported from the former engine's tests when it was deleted).</summary>
[Collection(LibTorchThreadsCollection.Name)]
public sealed class TorchMoEModelTests
{
    [Fact]
    public void Parameters_use_the_documented_stable_names_in_storage_order()
    {
        var config = TinyModels.Small() with { Layers = 1, Experts = 2 };
        using var model = new TorchMoETransformer(config, seed: 1);
        string[] expected =
        [
            "embed.tokens", "embed.positions",
            "layers.0.attn.ln.gamma", "layers.0.attn.ln.beta", "layers.0.attn.wqkv", "layers.0.attn.bqkv", "layers.0.attn.wo", "layers.0.attn.bo",
            "layers.0.moe.ln.gamma", "layers.0.moe.ln.beta", "layers.0.moe.router", "layers.0.moe.router_bias",
            "layers.0.moe.experts.0.w1", "layers.0.moe.experts.0.b1", "layers.0.moe.experts.0.w2", "layers.0.moe.experts.0.b2",
            "layers.0.moe.experts.1.w1", "layers.0.moe.experts.1.b1", "layers.0.moe.experts.1.w2", "layers.0.moe.experts.1.b2",
            "final_ln.gamma", "final_ln.beta", "head.w", "head.b", "lm_head.w", "lm_head.b",
        ];
        var store = model.ToParameterStore();
        Assert.Equal(expected, store.Slices.Select(s => s.Name));
        Assert.Equal(expected.Order(StringComparer.Ordinal), model.ParametersByName.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([8, 16], store["layers.0.moe.experts.1.w1"].Shape);
        Assert.Equal([16, 8], store["layers.0.moe.experts.1.w2"].Shape);
        Assert.Equal([8, 24], store["layers.0.attn.wqkv"].Shape);
        Assert.Equal([8, 2], store["layers.0.moe.router"].Shape);
        Assert.Equal([8L, 2L], model.ParametersByName["layers.0.moe.router"].shape);
        using var noAttention = new TorchMoETransformer(TinyModels.Small(attention: false, lmHead: false), seed: 1);
        Assert.DoesNotContain(noAttention.ParametersByName.Keys, n => n.Contains(".attn.", StringComparison.Ordinal) || n.StartsWith("lm_head", StringComparison.Ordinal));
    }

    [Fact]
    public void Sample_gate_probabilities_sum_to_one_per_layer_and_padding_changes_nothing_the_model_reports()
    {
        var config = TinyModels.Small();
        using var model = new TorchMoETransformer(config, seed: 3);
        int[] tokens = TinyModels.Tokens(), lengths = TinyModels.Lengths();
        var logits = model.Forward(tokens, 3, 5, lengths);
        var gates = model.SampleGateProbabilities.ToArray();
        var perExpert = model.TokensPerExpert.ToArray();
        Assert.Equal(3 * 2 * 4, gates.Length);
        for (int b = 0; b < 3; b++)
        {
            for (int l = 0; l < 2; l++)
            {
                Assert.Equal(1f, gates.AsSpan(b * 8 + l * 4, 4).ToArray().Sum(), 5);
            }
        }
        Assert.Equal(2 * 2 * lengths.Sum(), perExpert.Sum()); // layers × top-k × valid tokens
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(perExpert[i] > 0, model.RoutedExperts[i / 4, i % 4]);
        }

        tokens[1 * 5 + 4] = 7;  // padding positions of samples 1 and 2
        tokens[2 * 5 + 3] = 9;
        Assert.Equal(logits, model.Forward(tokens, 3, 5, lengths));
        Assert.Equal(gates, model.SampleGateProbabilities.ToArray());
        Assert.Equal(perExpert, model.TokensPerExpert.ToArray());
    }

    [Fact]
    public void Predict_returns_the_argmax_class()
    {
        using var model = new TorchMoETransformer(TinyModels.Small(), seed: 3);
        var logits = model.Forward(TinyModels.Tokens(), 3, 5);
        var predictions = new int[3];
        model.Predict(TinyModels.Tokens(), 3, 5, predictions);
        for (int b = 0; b < 3; b++)
        {
            var row = logits.AsSpan(b * 3, 3).ToArray();
            Assert.Equal(Array.IndexOf(row, row.Max()), predictions[b]);
        }
    }

    [Theory]
    [InlineData("TopK", 5)]
    [InlineData("Heads", 3)]
    [InlineData("Classes", 1)]
    [InlineData("LoadBalanceCoef", -1)]
    [InlineData("DModel", 0)]
    public void Invalid_config_is_rejected_with_the_setting_named(string setting, int value)
    {
        var config = setting switch
        {
            "TopK" => TinyModels.Small() with { TopK = value },
            "Heads" => TinyModels.Small() with { Heads = value },
            "Classes" => TinyModels.Small() with { Classes = value },
            "LoadBalanceCoef" => TinyModels.Small() with { LoadBalanceCoef = value },
            _ => TinyModels.Small() with { DModel = value },
        };
        var ex = Assert.Throws<ArgumentException>(() => new TorchMoETransformer(config, 1));
        Assert.Contains(setting, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_inputs_are_rejected_with_clear_messages_and_leave_the_model_usable()
    {
        using var model = new TorchMoETransformer(TinyModels.Small(lmHead: false), seed: 3);
        var before = model.ToParameterStore().Values;
        int[] tokens = TinyModels.Tokens(), labels = TinyModels.Labels();
        Assert.Contains("expected batch × seqLen", Assert.Throws<ArgumentException>(() => model.Forward(tokens, 3, 4)).Message, StringComparison.Ordinal);
        Assert.Contains("expected 1..5", Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(new int[18], 3, 6)).Message, StringComparison.Ordinal);
        var badToken = (int[])tokens.Clone();
        badToken[4] = 11;
        Assert.Contains("[0, 11)", Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(badToken, 3, 5)).Message, StringComparison.Ordinal);
        Assert.Contains("expected 1..5", Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(tokens, 3, 5, [5, 0, 2])).Message, StringComparison.Ordinal);
        Assert.Contains("one per sample", Assert.Throws<ArgumentException>(() => model.ForwardBackward(tokens, 3, 5, [0, 1])).Message, StringComparison.Ordinal);
        Assert.Contains("class in [0, 3)", Assert.Throws<ArgumentOutOfRangeException>(() => model.ForwardBackward(tokens, 3, 5, [0, 1, 3])).Message, StringComparison.Ordinal);
        Assert.Contains("LmHead", Assert.Throws<InvalidOperationException>(() => model.ForwardBackwardMaskedTokens(tokens, 3, 5, TinyModels.Targets())).Message, StringComparison.Ordinal);
        Assert.Equal(before, model.ToParameterStore().Values);
        Assert.True(float.IsFinite(model.ForwardBackward(tokens, 3, 5, labels)));

        using var lm = new TorchMoETransformer(TinyModels.Small(), seed: 3);
        var onPadding = TinyModels.Targets();
        onPadding[9] = 4; // sample 1 has length 4: position 4 is padding
        Assert.Contains("padding", Assert.Throws<ArgumentException>(() => lm.ForwardBackwardMaskedTokens(tokens, 3, 5, onPadding, null, TinyModels.Lengths())).Message, StringComparison.Ordinal);
    }
}
