using HFedMoE.Model.Checkpoints;
using HFedMoE.Model.HuggingFace;
using HFedMoE.Model.Nn.MoeLm;
using HFedMoE.Model.Optim;
using HFedMoE.Model.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace HFedMoE.Model.Tests.Optim;

public sealed class MaskedAdamWTests
{
    public MaskedAdamWTests() => TorchNative.EnsureLoaded();

    [Fact]
    public void With_every_parameter_given_it_is_torchsharps_AdamW_bit_for_bit_with_decay_on_matrices_only()
    {
        var (ours, theirs) = (TwoParameters(), TwoParameters());
        using var reference = optim.AdamW(
        [
            new TorchSharp.Modules.AdamW.ParamGroup([theirs.W], lr: 0.01, beta1: 0.9, beta2: 0.99, eps: 1e-7, weight_decay: 0.1),
            new TorchSharp.Modules.AdamW.ParamGroup([theirs.B], lr: 0.01, beta1: 0.9, beta2: 0.99, eps: 1e-7, weight_decay: 0),
        ]);
        using var adam = new MaskedAdamW(beta1: 0.9, beta2: 0.99, eps: 1e-7, weightDecay: 0.1);
        for (int step = 0; step < 6; step++)
        {
            Backward(ours, step);
            Backward(theirs, step);
            adam.Step(0.01, [("w", ours.W), ("b", ours.B)]);
            reference.step();
            Assert.Equal(Bits(theirs.W), Bits(ours.W));
            Assert.Equal(Bits(theirs.B), Bits(ours.B));
        }
        Assert.Equal(6, adam.StepsTaken("w"));
    }

    [Fact]
    public void A_frozen_expert_keeps_its_weights_and_moments_bit_for_bit_though_it_has_a_gradient()
    {
        var config = TinyHfCheckpoint.Config(HfArchitecture.Mixtral, layers: 1, experts: 4, vocab: 64, hidden: 32, expertHidden: 16);
        var weights = TinyHfCheckpoint.RandomWeights(config, seed: 3);
        using var model = new MoeCausalLm(config);
        model.LoadWeights(name => weights[name]);
        var parameters = model.named_parameters().ToList();
        const string frozen = "model.layers.0.block_sparse_moe.experts.1.";
        using var adam = new MaskedAdamW(weightDecay: 0.01);
        var ids = tensor(Enumerable.Range(0, 32).Select(i => (long)(i * 7 % 64)).ToArray(), [2, 16]);

        LmStep(model, ids);
        adam.Step(1e-2, parameters);                       // step 1 moves everything, expert 1 included
        var weightsBefore = parameters.Where(p => p.name.StartsWith(frozen, StringComparison.Ordinal)).ToDictionary(p => p.name, p => Bits(p.parameter));
        var momentsBefore = Moments(adam, frozen);
        Assert.NotEmpty(weightsBefore);
        Assert.All(momentsBefore.Values, m => Assert.Contains(m, b => b != 0));

        for (int step = 0; step < 3; step++)
        {
            LmStep(model, ids);                            // expert 1 gets a gradient again ...
            Assert.Contains(parameters, p => p.name.StartsWith(frozen, StringComparison.Ordinal) && p.parameter.grad is not null && p.parameter.grad.abs().sum().item<float>() > 0);
            adam.Step(1e-2, parameters.Where(p => !p.name.StartsWith(frozen, StringComparison.Ordinal)));   // ... but is not trained
        }

        foreach (var (name, bits) in weightsBefore)
        {
            Assert.Equal(bits, Bits(parameters.Single(p => p.name == name).parameter));
            Assert.Equal(1, adam.StepsTaken(name));
        }
        var momentsAfter = Moments(adam, frozen);
        Assert.Equal(momentsBefore.Keys.Order(), momentsAfter.Keys.Order());
        Assert.All(momentsBefore, kv => Assert.Equal(kv.Value, momentsAfter[kv.Key]));
        Assert.Equal(4, adam.StepsTaken("model.layers.0.block_sparse_moe.experts.0.w1.weight"));
    }

    [Fact]
    public void On_the_project_model_an_expert_frozen_in_backward_is_untouched_even_when_every_parameter_is_given()
    {
        var config = Nn.TinyModels.Small(lmHead: false);
        using var model = new HFedMoE.Model.Nn.TorchMoE.TorchMoETransformer(config, seed: 4);
        var parameters = model.ParametersByName.Select(kv => (kv.Key, kv.Value)).ToList();
        int[] tokens = Nn.TinyModels.Tokens(), labels = Nn.TinyModels.Labels(), lengths = Nn.TinyModels.Lengths();
        using var adam = new MaskedAdamW(weightDecay: 0.1);
        model.ForwardBackward(tokens, Nn.TinyModels.Batch, Nn.TinyModels.SeqLen, labels, lengths: lengths);
        adam.Step(1e-2, parameters);
        var frozen = new HFedMoE.Model.Nn.ExpertMask(config.Layers, config.Experts);
        frozen[1, 0] = true;
        const string prefix = "layers.1.moe.experts.0.";
        var before = parameters.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(p => p.Key, p => Bits(p.Value));
        var momentsBefore = Moments(adam, prefix);
        Assert.NotEmpty(before);
        for (int step = 0; step < 3; step++)
        {
            model.ForwardBackward(tokens, Nn.TinyModels.Batch, Nn.TinyModels.SeqLen, labels, frozen, lengths);
            adam.Step(1e-2, parameters);
        }
        Assert.All(before, kv => Assert.Equal(kv.Value, Bits(model.ParametersByName[kv.Key])));
        var momentsAfter = Moments(adam, prefix);
        Assert.All(momentsBefore, kv => Assert.Equal(kv.Value, momentsAfter[kv.Key]));
        Assert.Contains(parameters, p => p.Key.StartsWith("layers.1.moe.experts.", StringComparison.Ordinal) && adam.StepsTaken(p.Key) == 4);
        Assert.Equal(1, adam.StepsTaken(prefix + "w1"));
    }

    [Fact]
    public void A_stock_AdamW_moves_an_expert_whose_gradient_was_zeroed_which_is_why_steps_name_their_parameters()
    {
        var p = TwoParameters();
        using var stock = optim.AdamW([p.W], lr: 0.01);
        Backward(p, 0);
        stock.step();
        stock.zero_grad();                                  // zeroed, not dropped: grad is a zero tensor
        Assert.NotNull(p.W.grad);
        var before = Bits(p.W);
        stock.step();
        Assert.NotEqual(before, Bits(p.W));
    }

    [Fact]
    public void A_saved_state_restored_into_a_fresh_optimiser_continues_bit_for_bit()
    {
        var (a, b) = (TwoParameters(), TwoParameters());
        using var first = new MaskedAdamW(weightDecay: 0.05);
        for (int step = 0; step < 3; step++)
        {
            Backward(a, step);
            Backward(b, step);
            first.Step(0.02, [("w", a.W), ("b", a.B)]);
        }
        // b has the same weights as a (copied), a fresh optimiser gets a's saved state.
        using (no_grad())
        {
            b.W.copy_(a.W);
            b.B.copy_(a.B);
        }
        byte[] saved = first.SaveState();
        using var second = new MaskedAdamW(weightDecay: 0.05);
        second.LoadState(saved);
        Assert.Equal(3, second.StepsTaken("w"));
        for (int step = 3; step < 6; step++)
        {
            Backward(a, step);
            Backward(b, step);
            first.Step(0.02, [("w", a.W), ("b", a.B)]);
            second.Step(0.02, [("w", b.W), ("b", b.B)]);
            Assert.Equal(Bits(a.W), Bits(b.W));
            Assert.Equal(Bits(a.B), Bits(b.B));
        }
        Assert.Equal(first.SaveState(), second.SaveState());
    }

    [Fact]
    public void A_state_from_other_settings_or_not_a_state_is_refused_and_changes_nothing()
    {
        var p = TwoParameters();
        using var adam = new MaskedAdamW();
        Backward(p, 0);
        adam.Step(0.01, [("w", p.W), ("b", p.B)]);
        byte[] kept = adam.SaveState();

        using var other = new MaskedAdamW(beta1: 0.8);
        var e = Assert.Throws<InvalidDataException>(() => adam.LoadState(other.SaveState(), "other.bin"));
        Assert.Contains("other.bin: saved with beta1 = 0.8, but this optimiser has beta1 = 0.9", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => adam.LoadState(new byte[] { 1, 2, 3 }));
        var foreign = SafeTensorsWriter.Serialize([new NamedTensor("x", [1], [1f])], new Dictionary<string, string> { ["format"] = "pytorch" });
        Assert.Contains("expected hfedmoe.masked-adamw/1", Assert.Throws<InvalidDataException>(() => adam.LoadState(foreign)).Message, StringComparison.Ordinal);
        Assert.Equal(kept, adam.SaveState());
    }

    [Fact]
    public void A_restored_moment_of_another_shape_is_refused_by_name_at_the_first_step()
    {
        var p = TwoParameters();
        using var adam = new MaskedAdamW();
        Backward(p, 0);
        adam.Step(0.01, [("w", p.W), ("b", p.B)]);
        using var fresh = new MaskedAdamW();
        fresh.LoadState(adam.SaveState());
        var e = Assert.Throws<InvalidOperationException>(() => fresh.Step(0.01, [("w", p.B)]));
        Assert.Contains("AdamW state of 'w' has shape [3,4]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Engine_settings_mean_their_decimal_values()
    {
        using var fromOptions = new MaskedAdamW(new AdamWOptions(Beta1: 0.9f, WeightDecay: 0.01f));
        using var written = new MaskedAdamW(beta1: 0.9, weightDecay: 0.01);
        Assert.Equal(written.SaveState(), fromOptions.SaveState());
        Assert.Throws<ArgumentException>(() => new MaskedAdamW(new AdamWOptions(Beta2: 1f)));
        Assert.Throws<ArgumentOutOfRangeException>(() => written.Step(double.NaN, []));
    }

    private sealed record Pair(Parameter W, Parameter B);

    private static Pair TwoParameters()
    {
        var w = new Parameter(tensor(Enumerable.Range(0, 12).Select(i => MathF.Sin(i) * 0.5f).ToArray(), [3, 4]));
        var b = new Parameter(tensor(new[] { 0.1f, -0.2f, 0.3f }, [3]));
        return new Pair(w, b);
    }

    // loss = Σ c ⊙ W + ½ΣW² + Σ b·(step − 1)²·x: gradients differ every step and depend on the weights.
    private static void Backward(Pair p, int step)
    {
        using var scope = NewDisposeScope();
        p.W.grad?.zero_();
        p.B.grad?.zero_();
        var c = tensor(Enumerable.Range(0, 12).Select(i => MathF.Cos(i + step)).ToArray(), [3, 4]);
        var loss = (p.W * c).sum() + 0.5 * (p.W * p.W).sum() + (p.B * p.B * (step - 1) * (step - 1)).sum() + p.B.sum();
        loss.backward();
    }

    private static void LmStep(MoeCausalLm model, Tensor ids)
    {
        using var scope = NewDisposeScope();
        model.zero_grad();
        var output = model.Forward(ids);
        CausalLmLoss.Compute(output.Logits, ids).backward();
    }

    private static int[] Bits(Tensor t)
    {
        using var cpu = t.detach().cpu().contiguous();
        return [.. cpu.data<float>().ToArray().Select(BitConverter.SingleToInt32Bits)];
    }

    private static Dictionary<string, int[]> Moments(MaskedAdamW adam, string prefix) =>
        SafeTensorsReader.Parse(adam.SaveState()).Tensors
            .Where(t => t.Name.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(t => t.Name, t => t.Data.Select(BitConverter.SingleToInt32Bits).ToArray());
}
