using System.Text.Json.Nodes;
using HFedMoE.Model.HuggingFace;

namespace HFedMoE.Model.Tests.HuggingFace;

public sealed class HfCheckpointTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("hfedmoe-hf-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Folder(string name) => Path.Combine(_dir.FullName, name);

    [Theory]
    [InlineData(HfArchitecture.Mixtral, "F32", 1L << 40)]
    [InlineData(HfArchitecture.Qwen3Moe, "F32", 20_000)]
    [InlineData(HfArchitecture.Mixtral, "F16", 1L << 40)]
    [InlineData(HfArchitecture.Qwen3Moe, "BF16", 20_000)]
    public void Written_checkpoint_reads_back_every_tensor(HfArchitecture arch, string dtype, long maxShard)
    {
        var config = TinyHfCheckpoint.Config(arch);
        var weights = TinyHfCheckpoint.RandomWeights(config, 3);
        var files = HfCheckpointWriter.Write(Folder("m"), config, n => weights[n], dtype, maxShard);
        using var ckpt = HfCheckpoint.Open(Folder("m"));
        Assert.Equal(maxShard < 1_000_000, files.Count > 1);
        Assert.Equal(maxShard < 1_000_000, File.Exists(Path.Combine(Folder("m"), HfCheckpoint.IndexFile)));
        float tolerance = dtype switch { "F32" => 0f, "F16" => 1e-3f, _ => 8e-3f };
        foreach (var spec in ckpt.Layout.Tensors)
        {
            Assert.Equal(dtype, ckpt.DtypeOf(spec.HfName));
            var back = ckpt.Read(spec.HfName);
            var want = weights[spec.HfName];
            for (int i = 0; i < want.Length; i++)
            {
                Assert.True(Math.Abs(back[i] - want[i]) <= tolerance * Math.Max(1, Math.Abs(want[i])), $"{spec.HfName}[{i}]: {back[i]} vs {want[i]}");
            }
        }
    }

    [Fact]
    public void BFloat16_rounds_to_nearest_even()
    {
        Assert.Equal(0x3F80, HfDtype.ToBFloat16(1f));
        Assert.Equal(0x3F80, HfDtype.ToBFloat16(BitConverter.Int32BitsToSingle(0x3F808000))); // tie, even below
        Assert.Equal(0x3F82, HfDtype.ToBFloat16(BitConverter.Int32BitsToSingle(0x3F818000))); // tie, even above
        Assert.Equal(0x3F81, HfDtype.ToBFloat16(BitConverter.Int32BitsToSingle(0x3F808001)));
    }

    [Fact]
    public void Expert_and_gate_tensors_map_to_the_federated_names()
    {
        var mixtral = new HfTensorLayout(TinyHfCheckpoint.Config(HfArchitecture.Mixtral));
        var qwen = new HfTensorLayout(TinyHfCheckpoint.Config(HfArchitecture.Qwen3Moe));
        Assert.True(mixtral.TryGetByHfName("model.layers.1.block_sparse_moe.experts.3.w2.weight", out var w2));
        Assert.Equal("layers.1.moe.experts.3.w2", w2.FederatedName);
        Assert.True(qwen.TryGetByHfName("model.layers.0.mlp.gate.weight", out var gate));
        Assert.Equal("layers.0.moe.router", gate.FederatedName);
        Assert.True(qwen.TryGetByHfName("model.layers.0.self_attn.q_norm.weight", out var qn));
        Assert.Equal(qn.HfName, qn.FederatedName);
        // The project's own layout classifies them: 2 layers × 4 experts, routers per layer.
        var slices = new List<HFedMoE.Model.Nn.ParameterSlice>();
        int offset = 0;
        foreach (var t in qwen.Tensors)
        {
            slices.Add(new(t.FederatedName, t.Shape, offset, (int)t.Elements));
            offset += (int)t.Elements;
        }
        var layout = new HFedMoE.Model.Federated.ExpertLayout(slices);
        Assert.Equal(8, layout.ExpertCount);
        Assert.Equal(3, layout.ExpertParameters(5).Count);
        Assert.Equal(HFedMoE.Model.Federated.ParameterRole.Router, layout["layers.1.moe.router"].Role);
        Assert.Equal(0, layout["layers.1.moe.router"].RouterExpertAxis);
    }

    [Fact]
    public void Missing_shard_is_refused_naming_the_shard_and_a_tensor()
    {
        TinyHfCheckpoint.Write(Folder("s"), TinyHfCheckpoint.Config(HfArchitecture.Mixtral), 1, maxShardBytes: 20_000);
        string second = Directory.GetFiles(Folder("s"), "model-00002-of-*.safetensors").Single();
        File.Delete(second);
        var e = Assert.Throws<HfFormatException>(() => HfCheckpoint.Open(Folder("s")));
        Assert.Contains(Path.GetFileName(second), e.Message, StringComparison.Ordinal);
        Assert.Contains("shard missing", e.Message, StringComparison.Ordinal);
        Assert.Contains("'model.layers.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_shape_is_refused_naming_the_tensor()
    {
        var config = TinyHfCheckpoint.Config(HfArchitecture.Qwen3Moe);
        TinyHfCheckpoint.Write(Folder("w"), config, 1);
        // Same tensors, but config.json now says the experts are wider.
        var raw = (JsonObject)config.Raw.DeepClone();
        raw["moe_intermediate_size"] = 48;
        File.WriteAllText(Path.Combine(Folder("w"), "config.json"), raw.ToJsonString());
        var e = Assert.Throws<HfFormatException>(() => HfCheckpoint.Open(Folder("w")));
        Assert.Contains("'model.layers.0.mlp.experts.0.gate_proj.weight' has shape [32, 64]; config.json implies [48, 64]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_tensor_is_refused_naming_it()
    {
        var config = TinyHfCheckpoint.Config(HfArchitecture.Mixtral, experts: 4);
        var weights = TinyHfCheckpoint.RandomWeights(config, 2);
        HfCheckpointWriter.Write(Folder("x"), config, n => weights[n]);
        var raw = (JsonObject)config.Raw.DeepClone();
        raw["num_local_experts"] = 5;
        File.WriteAllText(Path.Combine(Folder("x"), "config.json"), raw.ToJsonString());
        var e = Assert.Throws<HfFormatException>(() => HfCheckpoint.Open(Folder("x")));
        Assert.Contains("tensor 'model.layers.0.block_sparse_moe.gate.weight' has shape [4, 64]", e.Message, StringComparison.Ordinal);
        raw["num_local_experts"] = 4;
        raw["num_hidden_layers"] = 3;
        File.WriteAllText(Path.Combine(Folder("x"), "config.json"), raw.ToJsonString());
        e = Assert.Throws<HfFormatException>(() => HfCheckpoint.Open(Folder("x")));
        Assert.Contains("tensor 'model.layers.2.input_layernorm.weight' [64] is missing", e.Message, StringComparison.Ordinal);
        raw["num_hidden_layers"] = 1;
        File.WriteAllText(Path.Combine(Folder("x"), "config.json"), raw.ToJsonString());
        e = Assert.Throws<HfFormatException>(() => HfCheckpoint.Open(Folder("x")));
        Assert.Contains("tensor 'model.layers.1.", e.Message, StringComparison.Ordinal);
        Assert.Contains("is not part of a Mixtral model", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("llama", "model_type 'llama' is not supported; supported: mixtral, qwen3_moe")]
    [InlineData(null, "key 'model_type' (a string) is missing")]
    public void Unknown_architecture_is_refused(string? type, string message)
    {
        var raw = (JsonObject)TinyHfCheckpoint.Config(HfArchitecture.Mixtral).Raw.DeepClone();
        raw["model_type"] = type;
        var e = Assert.Throws<HfFormatException>(() => HfConfig.Parse(raw));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_copies_the_tokenizer_files_and_sets_the_dtype()
    {
        var config = TinyHfCheckpoint.Config(HfArchitecture.Mixtral, torchDtype: "bfloat16");
        TinyHfCheckpoint.Write(Folder("src"), config, 4);
        File.WriteAllText(Path.Combine(Folder("src"), "tokenizer.json"), "{\"model\":{}}");
        using var source = HfCheckpoint.Open(Folder("src"));
        Assert.Equal("BF16", source.DtypeOf("lm_head.weight"));
        var files = HfCheckpointWriter.Write(Folder("out"), source.Config, source.Read, "F32", companionsFrom: Folder("src"));
        Assert.Contains("tokenizer.json", files);
        Assert.Equal("{\"model\":{}}", File.ReadAllText(Path.Combine(Folder("out"), "tokenizer.json")));
        using var back = HfCheckpoint.Open(Folder("out"));
        Assert.Equal("float32", back.Config.TorchDtype);
        Assert.Equal(source.Read("model.norm.weight"), back.Read("model.norm.weight"));
        Assert.Equal(512, back.Config.Raw["max_position_embeddings"]!.GetValue<int>());
    }
}
