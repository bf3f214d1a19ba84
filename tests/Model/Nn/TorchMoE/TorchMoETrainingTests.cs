using HFedMoE.Model.Checkpoints;
using HFedMoE.Model.Federated;
using HFedMoE.Model.Nn;
using HFedMoE.Model.Nn.TorchMoE;
using HFedMoE.Model.Optim;

using HFedMoE.Model.Tests.Torch;

namespace HFedMoE.Model.Tests.Nn.TorchMoE;

[Collection(LibTorchThreadsCollection.Name)]
public sealed class TorchMoETrainingTests
{
    [Fact]
    public void A_frozen_expert_gets_no_gradient_and_its_weights_stay_bit_unchanged_while_the_others_train()
    {
        var config = TinyModels.Small(lmHead: false);
        using var model = new TorchMoETransformer(config, seed: 2);
        using var adam = new MaskedAdamW();
        var frozen = new ExpertMask(config.Layers, config.Experts);
        frozen[0, 1] = true;
        frozen[1, 3] = true;
        var before = model.ToParameterStore();
        for (int step = 0; step < 3; step++)
        {
            model.ForwardBackward(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, TinyModels.Labels(), frozen, TinyModels.Lengths());
            foreach (var part in new[] { "w1", "b1", "w2", "b2" })
            {
                Assert.Null(model.ParametersByName[ParameterNames.Expert(0, 1, part)].grad);
                Assert.Null(model.ParametersByName[ParameterNames.Expert(1, 3, part)].grad);
            }
            adam.Step(1e-2, model.ParametersByName.Where(p => !IsFrozenExpert(p.Key, frozen)).Select(p => (p.Key, p.Value)));
        }
        var after = model.ToParameterStore();

        Assert.True(model.RoutedExperts[0, 1] && model.RoutedExperts[1, 3], "the frozen experts should be routed, or the test shows nothing");
        foreach (var slice in before.Slices)
        {
            bool same = before.ValuesOf(slice.Name).SequenceEqual(after.ValuesOf(slice.Name));
            if (IsFrozenExpert(slice.Name, frozen))
            {
                Assert.True(same, $"{slice.Name} moved although its expert is frozen");
            }
        }
        Assert.False(before.ValuesOf(ParameterNames.Expert(0, 0, "w1")).SequenceEqual(after.ValuesOf(ParameterNames.Expert(0, 0, "w1"))));
        Assert.False(before.ValuesOf(ParameterNames.Router(1)).SequenceEqual(after.ValuesOf(ParameterNames.Router(1))));
    }

    [Fact]
    public void A_fixed_seed_trains_bit_identically_twice_in_one_run()
    {
        var first = Train(seed: 13);
        var second = Train(seed: 13);
        var other = Train(seed: 14);

        Assert.Equal(first.Losses, second.Losses);
        Assert.Equal(first.Values, second.Values);
        Assert.NotEqual(first.Values, other.Values);
    }

    [Fact]
    public void Loading_a_store_of_another_shape_names_every_mismatch_and_changes_nothing()
    {
        var config = TinyModels.Small(lmHead: false);
        using var model = new TorchMoETransformer(config, seed: 1);
        var before = model.ToParameterStore();
        var wider = new ParameterStore(ModelLayout.Of(config with { ExpertHidden = 32, LmHead = true }));

        var error = Assert.Throws<CheckpointMismatchException>(() => model.LoadFrom(wider));

        Assert.Contains("'layers.1.moe.experts.3.w1' has shape [8,32] but the model expects [8,16]", error.Message, StringComparison.Ordinal);
        Assert.Contains("'lm_head.w' [8,11] is not a parameter of this model", error.Message, StringComparison.Ordinal);
        Assert.Equal(before.Values, model.ToParameterStore().Values);
    }

    [Fact]
    public void A_checkpoint_written_by_the_model_loads_into_a_parameter_store_and_back()
    {
        var config = TinyModels.Small(lmHead: true);
        using var model = new TorchMoETransformer(config, seed: 8);
        model.ForwardBackward(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, TinyModels.Labels(), lengths: TinyModels.Lengths());
        using (var adam = new MaskedAdamW())
        {
            adam.Step(1e-2, model.ParametersByName.Select(p => (p.Key, p.Value)));
        }
        string path = Path.Combine(Path.GetTempPath(), $"torch-moe-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.SaveCheckpoint(path, new Dictionary<string, string> { ["step"] = "1" });
            var store = new ParameterStore(ModelLayout.Of(config));
            ModelCheckpoint.Load(path, store);
            using var reloaded = new TorchMoETransformer(config, seed: 0);
            var metadata = reloaded.LoadCheckpoint(path);

            Assert.Equal(model.ToParameterStore().Values, store.Values);
            Assert.Equal(store.Values, reloaded.ToParameterStore().Values);
            Assert.Equal("1", metadata["step"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_global_model_loads_by_name_and_the_seed_gives_the_initial_parameter_store()
    {
        var config = TinyModels.Small(lmHead: false);
        var initial = ParameterStore.Initial(config, seed: 5);
        var global = GlobalModel.FromStore(initial, version: 3);
        using var model = new TorchMoETransformer(config, seed: 5);
        Assert.Equal(initial.Values, model.ToParameterStore().Values);

        using var other = new TorchMoETransformer(config, seed: 6);
        other.LoadFrom(global);
        Assert.Equal(global.Values.ToArray(), other.ToParameterStore().Values);
    }

    [Fact]
    public void Backward_without_a_pending_loss_is_refused()
    {
        var config = TinyModels.Small(lmHead: false);
        using var model = new TorchMoETransformer(config, seed: 1);
        model.Forward(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, TinyModels.Lengths());

        var error = Assert.Throws<InvalidOperationException>(() => model.Backward());
        Assert.Contains("preceding Loss", error.Message, StringComparison.Ordinal);
    }

    private static bool IsFrozenExpert(string name, ExpertMask frozen) =>
        ParameterNames.TryParseExpert(name, out int l, out int e) && frozen[l, e];

    private static (float[] Losses, float[] Values) Train(int seed)
    {
        var config = TinyModels.Small(lmHead: false);
        using var model = new TorchMoETransformer(config, seed);
        using var adam = new MaskedAdamW(weightDecay: 0.01);
        var frozen = new ExpertMask(config.Layers, config.Experts);
        frozen[1, 2] = true;
        var losses = new float[4];
        for (int step = 0; step < losses.Length; step++)
        {
            losses[step] = model.ForwardBackward(TinyModels.Tokens(), TinyModels.Batch, TinyModels.SeqLen, TinyModels.Labels(), frozen, TinyModels.Lengths());
            adam.Step(3e-3, model.ParametersByName.Where(p => !IsFrozenExpert(p.Key, frozen)).Select(p => (p.Key, p.Value)));
        }
        return (losses, model.ToParameterStore().Values);
    }
}
