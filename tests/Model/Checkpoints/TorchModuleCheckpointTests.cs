using HFedMoE.Model.Checkpoints;
using HFedMoE.Model.HuggingFace;
using HFedMoE.Model.Nn.MoeLm;
using HFedMoE.Model.Torch;
using static TorchSharp.torch;

namespace HFedMoE.Model.Tests.Checkpoints;

public sealed class TorchModuleCheckpointTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("hfedmoe-torch-ckpt-");

    public TorchModuleCheckpointTests() => TorchNative.EnsureLoaded();

    public void Dispose() => _dir.Delete(recursive: true);

    private static readonly HfConfig Config = TinyHfCheckpoint.Config(HfArchitecture.Qwen3Moe, layers: 1, experts: 4, vocab: 64, hidden: 32, expertHidden: 16);

    private static MoeCausalLm Model(ulong seed)
    {
        var weights = TinyHfCheckpoint.RandomWeights(Config, seed);
        var model = new MoeCausalLm(Config);
        model.LoadWeights(name => weights[name]);
        return model;
    }

    private static Dictionary<string, int[]> Bits(nn.Module module) =>
        TorchModuleCheckpoint.ToTensors(module).ToDictionary(t => t.Name, t => t.Data.Select(BitConverter.SingleToInt32Bits).ToArray());

    [Fact]
    public void A_saved_module_loads_into_a_fresh_one_bit_for_bit_with_its_metadata()
    {
        using var saved = Model(1);
        using var loaded = Model(2);
        string path = Path.Combine(_dir.FullName, "lm.safetensors");
        TorchModuleCheckpoint.Save(path, saved, new Dictionary<string, string> { ["round"] = "3" });
        Assert.NotEqual(Bits(saved)["model.embed_tokens.weight"], Bits(loaded)["model.embed_tokens.weight"]);

        var metadata = TorchModuleCheckpoint.Load(path, loaded);

        Assert.Equal("3", metadata["round"]);
        var expected = Bits(saved);
        var actual = Bits(loaded);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        Assert.All(expected, kv => Assert.Equal(kv.Value, actual[kv.Key]));
        // The file is ours: the engine's reader sees every parameter by name and shape.
        var file = SafeTensorsReader.Read(path);
        foreach (var (name, p) in saved.named_parameters())
        {
            Assert.Equal(p.shape.Select(d => (int)d), file[name].Shape);
        }
        using var noGrad = no_grad();
        var ids = tensor(Enumerable.Range(0, 16).Select(i => (long)(i * 5 % 64)).ToArray(), [2, 8]);
        Assert.Equal(0f, (saved.Forward(ids).Logits - loaded.Forward(ids).Logits).abs().max().item<float>());
    }

    [Fact]
    public void The_project_model_and_a_parameter_store_read_each_others_files()
    {
        var config = Nn.TinyModels.Small(lmHead: true);
        using var torchModel = new HFedMoE.Model.Nn.TorchMoE.TorchMoETransformer(config, seed: 3);
        var store = new HFedMoE.Model.Nn.ParameterStore(HFedMoE.Model.Nn.ModelLayout.Of(config));
        string fromTorch = Path.Combine(_dir.FullName, "torch.safetensors");
        TorchModuleCheckpoint.Save(fromTorch, torchModel);
        ModelCheckpoint.Load(fromTorch, store);
        var torchValues = Bits(torchModel);
        foreach (var slice in store.Slices)
        {
            Assert.Equal(torchValues[slice.Name], store.Values.AsSpan(slice.Offset, slice.Length).ToArray().Select(BitConverter.SingleToInt32Bits).ToArray());
        }

        var other = HFedMoE.Model.Nn.ParameterStore.Initial(config, seed: 5);
        string fromStore = Path.Combine(_dir.FullName, "store.safetensors");
        ModelCheckpoint.Save(fromStore, other);
        TorchModuleCheckpoint.Load(fromStore, torchModel);
        var loaded = Bits(torchModel);
        foreach (var slice in other.Slices)
        {
            Assert.Equal(other.Values.AsSpan(slice.Offset, slice.Length).ToArray().Select(BitConverter.SingleToInt32Bits).ToArray(), loaded[slice.Name]);
        }
    }

    [Fact]
    public void Missing_unexpected_and_misshapen_tensors_are_each_named_and_the_module_is_untouched()
    {
        using var source = Model(1);
        var tensors = TorchModuleCheckpoint.ToTensors(source).ToList();
        const string dropped = "model.norm.weight";
        const string reshaped = "lm_head.weight";
        var edited = tensors
            .Where(t => t.Name != dropped)
            .Select(t => t.Name == reshaped ? new NamedTensor(t.Name, [t.Shape[1], t.Shape[0]], t.Data) : t)
            .Append(new NamedTensor("model.layers.0.mlp.experts.9.up_proj.weight", [2], [1f, 2f]))
            .ToList();
        string path = Path.Combine(_dir.FullName, "bad.safetensors");
        SafeTensorsWriter.Write(path, edited);
        using var target = Model(2);
        var before = Bits(target);

        var e = Assert.Throws<CheckpointMismatchException>(() => TorchModuleCheckpoint.Load(path, target));

        Assert.Contains($"missing tensor '{dropped}' (expected shape [32])", e.Message, StringComparison.Ordinal);
        Assert.Contains($"tensor '{reshaped}' has shape [32,64] but the model expects [64,32]", e.Message, StringComparison.Ordinal);
        Assert.Contains("unexpected tensor 'model.layers.0.mlp.experts.9.up_proj.weight' with shape [2]", e.Message, StringComparison.Ordinal);
        Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
        var after = Bits(target);
        Assert.All(before, kv => Assert.Equal(kv.Value, after[kv.Key]));
    }

    [Fact]
    public void Relaxations_keep_named_parameters_and_skip_unknown_tensors()
    {
        using var source = Model(1);
        var tensors = TorchModuleCheckpoint.ToTensors(source)
            .Where(t => !t.Name.StartsWith("lm_head.", StringComparison.Ordinal))
            .Append(new NamedTensor("extra.bias", [1], [0f]))
            .ToList();
        using var target = Model(2);
        var headBefore = Bits(target)["lm_head.weight"];
        TorchModuleCheckpoint.CopyInto(new SafeTensorsFile(tensors, new Dictionary<string, string>()), target, "trunk",
            new CheckpointLoadOptions { IgnoreUnexpected = true, KeepPrefixes = ["lm_head."] });
        var after = Bits(target);
        Assert.Equal(headBefore, after["lm_head.weight"]);
        Assert.Equal(Bits(source)["model.embed_tokens.weight"], after["model.embed_tokens.weight"]);
    }
}
