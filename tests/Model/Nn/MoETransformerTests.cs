using HFedMoE.Model.Nn;
using HFedMoE.Model.Optim;

namespace HFedMoE.Model.Tests.Nn;

public sealed class MoETransformerTests
{
    [Fact]
    public void Parameters_use_the_documented_stable_names_in_storage_order()
    {
        var model = new MoETransformer(TinyModels.Small() with { Layers = 1, Experts = 2 }, seed: 1);
        string[] expected =
        [
            "embed.tokens", "embed.positions",
            "layers.0.attn.ln.gamma", "layers.0.attn.ln.beta", "layers.0.attn.wqkv", "layers.0.attn.bqkv", "layers.0.attn.wo", "layers.0.attn.bo",
            "layers.0.moe.ln.gamma", "layers.0.moe.ln.beta", "layers.0.moe.router", "layers.0.moe.router_bias",
            "layers.0.moe.experts.0.w1", "layers.0.moe.experts.0.b1", "layers.0.moe.experts.0.w2", "layers.0.moe.experts.0.b2",
            "layers.0.moe.experts.1.w1", "layers.0.moe.experts.1.b1", "layers.0.moe.experts.1.w2", "layers.0.moe.experts.1.b2",
            "final_ln.gamma", "final_ln.beta", "head.w", "head.b", "lm_head.w", "lm_head.b",
        ];
        Assert.Equal(expected, model.Parameters.Slices.Select(s => s.Name));
        Assert.Equal([8, 16], model.Parameters["layers.0.moe.experts.1.w1"].Shape);
        Assert.Equal([16, 8], model.Parameters["layers.0.moe.experts.1.w2"].Shape);
        Assert.Equal([8, 24], model.Parameters["layers.0.attn.wqkv"].Shape);
        Assert.Equal([8, 2], model.Parameters["layers.0.moe.router"].Shape);
        var noAttention = new MoETransformer(TinyModels.Small(attention: false, lmHead: false), seed: 1);
        Assert.DoesNotContain(noAttention.Parameters.Slices, s => s.Name.Contains(".attn.", StringComparison.Ordinal) || s.Name.StartsWith("lm_head", StringComparison.Ordinal));
    }

    [Fact]
    public void Same_seed_gives_bit_identical_training_and_another_seed_does_not()
    {
        float[] RunSteps(int seed)
        {
            var model = new MoETransformer(TinyModels.Small(), seed);
            var optimizer = new AdamW(model.Parameters, new AdamWOptions(WeightDecay: 0.01f));
            var mask = new ExpertMask(2, 4);
            for (int step = 0; step < 6; step++)
            {
                mask[step % 2, step % 4] = true;
                model.ForwardBackward(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, TinyModels.Labels(), mask, TinyModels.Lengths());
                optimizer.Step(1e-2f, mask);
                model.ForwardBackwardMaskedTokens(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, TinyModels.Targets(), null, TinyModels.Lengths());
                optimizer.Step(1e-2f);
            }
            return model.Parameters.Values;
        }
        var a = RunSteps(42);
        var b = RunSteps(42);
        Assert.True(a.AsSpan().SequenceEqual(b), "two runs with the same seed diverged");
        Assert.False(a.AsSpan().SequenceEqual(RunSteps(43)));
    }

    [Fact]
    public void Sample_gate_probabilities_are_means_over_valid_tokens_and_ignore_padding()
    {
        var model = new MoETransformer(TinyModels.Small(), seed: 3);
        int[] tokens = TinyModels.Tokens(), lengths = TinyModels.Lengths();
        var logits = model.Forward(tokens, 3, 5, lengths).ToArray();
        var gates = model.SampleGateProbabilities.ToArray();
        Assert.Equal(3 * 2 * 4, gates.Length);
        for (int l = 0; l < 2; l++)
        {
            var probs = model.MoELayers[l].GateProbabilities.ToArray();
            for (int b = 0; b < 3; b++)
            {
                Assert.Equal(1f, gates.AsSpan(b * 8 + l * 4, 4).ToArray().Sum(), 5);
                for (int e = 0; e < 4; e++)
                {
                    double mean = Enumerable.Range(0, lengths[b]).Average(t => probs[(b * 5 + t) * 4 + e]);
                    Assert.Equal(mean, gates[b * 8 + l * 4 + e], 5);
                }
            }
        }
        int routedTokens = model.TokensPerExpert.ToArray().Sum();
        Assert.Equal(2 * 2 * lengths.Sum(), routedTokens); // layers × top-k × valid tokens
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(model.TokensPerExpert[i] > 0, model.RoutedExperts[i / 4, i % 4]);
        }

        // Changing a padding token changes nothing the model reports.
        tokens[1 * 5 + 4] = 7;
        tokens[2 * 5 + 3] = 9;
        Assert.Equal(logits, model.Forward(tokens, 3, 5, lengths).ToArray());
        Assert.Equal(gates, model.SampleGateProbabilities.ToArray());
    }

    [Fact]
    public void Routing_statistics_accumulate_mean_and_max_over_samples()
    {
        var model = new MoETransformer(TinyModels.Small(), seed: 3);
        var stats = new RoutingStatistics(2, 4);
        model.Forward(TinyModels.Tokens(), 3, 5, TinyModels.Lengths());
        var first = model.SampleGateProbabilities.ToArray();
        var firstTokens = model.TokensPerExpert.ToArray();
        stats.Add(model);
        model.Forward(TinyModels.Tokens().Reverse().ToArray(), 3, 5);
        var second = model.SampleGateProbabilities.ToArray();
        stats.Add(model);
        Assert.Equal(6, stats.Samples);
        var all = first.Concat(second).ToArray();
        for (int i = 0; i < 8; i++)
        {
            var column = Enumerable.Range(0, 6).Select(b => all[b * 8 + i]).ToArray();
            Assert.Equal(column.Average(), stats.MeanGate(i / 4, i % 4), 5);
            Assert.Equal(column.Max(), stats.MaxGate(i / 4, i % 4));
            Assert.Equal(firstTokens[i] + model.TokensPerExpert[i], stats.TokensRouted(i / 4, i % 4));
        }
        stats.Reset();
        Assert.Equal(0, stats.Samples);
        Assert.Throws<ArgumentException>(() => new RoutingStatistics(2, 5).Add(model));
    }

    [Fact]
    public void Predict_returns_the_argmax_class()
    {
        var model = new MoETransformer(TinyModels.Small(), seed: 3);
        var logits = model.Forward(TinyModels.Tokens(), 3, 5).ToArray();
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
        var ex = Assert.Throws<ArgumentException>(() => new MoETransformer(config, 1));
        Assert.Contains(setting, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_inputs_are_rejected_with_clear_messages_and_leave_the_model_usable()
    {
        var model = new MoETransformer(TinyModels.Small(lmHead: false), seed: 3);
        var before = (float[])model.Parameters.Values.Clone();
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
        Assert.Equal(before, model.Parameters.Values);
        float loss = model.ForwardBackward(tokens, 3, 5, labels);
        Assert.True(float.IsFinite(loss));

        var lm = new MoETransformer(TinyModels.Small(), seed: 3);
        var onPadding = TinyModels.Targets();
        onPadding[9] = 4; // sample 1 has length 4: position 4 is padding
        Assert.Contains("padding", Assert.Throws<ArgumentException>(() => lm.ForwardBackwardMaskedTokens(tokens, 3, 5, onPadding, null, TinyModels.Lengths())).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_repeated_training_step_allocates_nothing()
    {
        var config = new ModelConfig { Vocab = 200, SeqLen = 16, DModel = 32, Heads = 4, Layers = 2, Experts = 8, TopK = 2, ExpertHidden = 64, Classes = 4, UseAttention = true, LmHead = true, ZLossCoef = 1e-3f };
        var model = new MoETransformer(config, seed: 2);
        var optimizer = new AdamW(model.Parameters, new AdamWOptions(WeightDecay: 0.01f));
        var rng = new Random(5);
        var tokens = Enumerable.Range(0, 8 * 16).Select(_ => rng.Next(200)).ToArray();
        int[] labels = [0, 1, 2, 3, 0, 1, 2, 3];
        int[] lengths = [16, 12, 16, 9, 16, 16, 3, 16];
        var targets = tokens.Select((t, i) => i % 5 == 0 && i % 16 < lengths[i / 16] ? t : -1).ToArray();
        var mask = new ExpertMask(2, 8);
        mask[0, 3] = true;
        void Step()
        {
            model.ForwardBackward(tokens, 8, 16, labels, mask, lengths);
            GradientClipping.ClipGlobalNorm(model.Parameters, 1f);
            optimizer.Step(1e-3f, mask);
            model.ForwardBackwardMaskedTokens(tokens, 8, 16, targets, mask, lengths);
            optimizer.Step(1e-3f, mask);
        }
        Step();
        Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Step();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1024, $"a training step allocated {allocated} bytes");
    }
}
