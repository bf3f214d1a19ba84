using System.Text.Json;
using HFedMoE.Model.HuggingFace;
using HFedMoE.Model.Nn.MoeLm;
using HFedMoE.Model.Torch;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace HFedMoE.Model.Tests.HuggingFace;

/// <summary>
/// Our TorchSharp Mixtral / Qwen3-MoE against an independent PyTorch forward written from
/// Hugging Face's modeling code (Reference/hf_reference.py): same logits (max |Δ| ≤ 1e-4) and
/// loss on a fixed batch, for a checkpoint in one file and sharded, and again for our export
/// read back by the reference.
/// </summary>
public sealed class MoeLmParityTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("hfedmoe-parity-");

    public void Dispose() => _dir.Delete(recursive: true);

    public static TheoryData<string> Cases => ["mixtral", "mixtral-sharded-bf16", "qwen3", "qwen3-sharded-no-norm-topk", "qwen3-tied-wide-heads-f16"];

    private static (HfConfig Config, long Shard, string? Dtype) Case(string name) => name switch
    {
        "mixtral" => (TinyHfCheckpoint.Config(HfArchitecture.Mixtral), 1L << 40, null),
        "mixtral-sharded-bf16" => (TinyHfCheckpoint.Config(HfArchitecture.Mixtral, torchDtype: "bfloat16"), 40_000, null),
        "qwen3" => (TinyHfCheckpoint.Config(HfArchitecture.Qwen3Moe), 1L << 40, null),
        "qwen3-sharded-no-norm-topk" => (TinyHfCheckpoint.Config(HfArchitecture.Qwen3Moe, normTopKProb: false, experts: 8, topK: 3), 50_000, null),
        "qwen3-tied-wide-heads-f16" => (TinyHfCheckpoint.Config(HfArchitecture.Qwen3Moe, tieEmbeddings: true, headDim: 32, torchDtype: "float16"), 1L << 40, null),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [PythonTorchTheory]
    [MemberData(nameof(Cases))]
    public void Import_and_export_match_the_PyTorch_reference(string name)
    {
        TorchNative.EnsureLoaded();
        var (config, shard, dtype) = Case(name);
        string source = Path.Combine(_dir.FullName, "source"), exported = Path.Combine(_dir.FullName, "exported");
        TinyHfCheckpoint.Write(source, config, seed: 11, maxShardBytes: shard, dtype: dtype);
        Assert.Equal(shard < 1_000_000, File.Exists(Path.Combine(source, HfCheckpoint.IndexFile)));

        // A fixed batch: right-padded second row, prompt tokens of the first row masked.
        long[][] ids = [[1, 17, 99, 3, 250, 42, 7, 7, 13, 200, 5, 64], [9, 8, 7, 6, 5, 4, 3, 2, 0, 0, 0, 0]];
        long[][] labels = [[-100, -100, -100, 3, 250, 42, 7, 7, 13, 200, 5, 64], [9, 8, 7, 6, 5, 4, 3, 2, -100, -100, -100, -100]];
        float[] ours;
        float ourLoss;
        using (var checkpoint = HfCheckpoint.Open(source))
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var model = MoeCausalLm.FromCheckpoint(checkpoint);
            var output = model.Forward(tensor(ids.SelectMany(r => r).ToArray(), [2, 12]));
            ours = output.Logits.contiguous().data<float>().ToArray();
            ourLoss = CausalLmLoss.Compute(output.Logits, tensor(labels.SelectMany(r => r).ToArray(), [2, 12])).item<float>();
            HfCheckpointWriter.Write(exported, checkpoint.Config, model.ReadWeight, "F32", maxShardBytes: shard, companionsFrom: source);
        }

        string request = Path.Combine(_dir.FullName, "request.json");
        File.WriteAllText(request, JsonSerializer.Serialize(new { ids, labels }));
        string refSource = Path.Combine(_dir.FullName, "ref-source.json"), refExported = Path.Combine(_dir.FullName, "ref-exported.json");
        PythonTorch.Run(PythonTorch.Script, request, source, refSource, exported, refExported);
        foreach (var (label, file) in new[] { ("import", refSource), ("export", refExported) })
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            var reference = doc.RootElement.GetProperty("logits").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            Assert.Equal([2, 12, config.VocabSize], doc.RootElement.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(reference.Length, ours.Length);
            double maxDiff = 0;
            for (int i = 0; i < ours.Length; i++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(ours[i] - reference[i]));
            }
            float refLoss = doc.RootElement.GetProperty("loss").GetSingle();
            ParityLog.Write(output, $"logit parity {name} {label}: max |logit diff| = {maxDiff:E2}, loss ours {ourLoss:F6} reference {refLoss:F6} (torch {doc.RootElement.GetProperty("torch").GetString()})");
            Assert.True(maxDiff <= 1e-4, $"{name} {label}: max |logit diff| {maxDiff:E3} > 1e-4");
            Assert.True(Math.Abs(ourLoss - refLoss) <= 1e-5 * Math.Max(1, refLoss), $"{name} {label}: loss {ourLoss} vs reference {refLoss}");
        }
    }
}
