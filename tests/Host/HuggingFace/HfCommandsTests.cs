using System.Text.Json;
using HFedMoE.Host.Commands;
using HFedMoE.Model.HuggingFace;

namespace HFedMoE.Host.Tests.HuggingFace;

/// <summary>The documented three-command path (import → federate → export) on a folder written by hf-tiny, and its refusals.</summary>
public sealed class HfCommandsTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("hfedmoe-hfcli-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string P(params string[] parts) => Path.Combine([_dir.FullName, .. parts]);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = HfedmoeCli.Run(args, new CliContext(stdout, stderr, Interactive: false));
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Import_federate_export_is_three_commands()
    {
        Assert.Equal(0, Run("hf-tiny", "--out", P("tiny"), "--arch", "mixtral", "--experts", "4", "--hidden", "256", "--lines", "24").Code);
        var import = Run("import", P("tiny", "model"), "--write-config", P("hf.conf"));
        Assert.True(import.Code == 0, import.Err);
        Assert.Contains("4 per layer × 2 layers = 8 expert groups", import.Out, StringComparison.Ordinal);
        File.AppendAllText(P("hf.conf"), $"hfedmoe.hf.federate {{ local-steps = 2, budgets = [1, 2, 4, 8] }}\nhfedmoe.hf.export.max-shard-mb = 1\n");

        var federate = Run("federate", "--config", P("hf.conf"), "--clients", P("tiny", "clients"), "--out", P("run"), "--rounds", "2");
        Assert.True(federate.Code == 0, federate.Err);
        var lines = File.ReadAllLines(P("run", "metrics.jsonl"));
        Assert.Equal(3, lines.Length);
        double ppl0 = JsonDocument.Parse(lines[0]).RootElement.GetProperty("global_perplexity").GetDouble();
        double ppl2 = JsonDocument.Parse(lines[2]).RootElement.GetProperty("global_perplexity").GetDouble();
        Assert.True(ppl2 < ppl0, $"held-out perplexity {ppl0} → {ppl2}");
        Assert.Contains("| 2 |", File.ReadAllText(P("run", "report.md")), StringComparison.Ordinal);

        var export = Run("export", "--config", P("hf.conf"), "--run", P("run"), "--to", P("out"), "--dtype", "bfloat16");
        Assert.True(export.Code == 0, export.Err);
        using var exported = HfCheckpoint.Open(P("out"));
        using var trained = HfCheckpoint.Open(P("run", "model"));
        Assert.Equal("BF16", exported.DtypeOf("lm_head.weight"));
        Assert.Equal("bfloat16", exported.Config.TorchDtype);
        Assert.True(File.Exists(P("out", HfCheckpoint.IndexFile)), "max-shard-mb = 1 shards the 2.9 MB bfloat16 model");
        Assert.True(File.Exists(P("out", "tokenizer.json")));
        Assert.Equal("mixtral", exported.Config.Raw["model_type"]!.GetValue<string>());
        float[] a = exported.Read("model.layers.1.block_sparse_moe.experts.2.w2.weight"), b = trained.Read("model.layers.1.block_sparse_moe.experts.2.w2.weight");
        Assert.All(Enumerable.Range(0, a.Length), i => Assert.True(Math.Abs(a[i] - b[i]) <= 8e-3 * Math.Max(1, Math.Abs(b[i]))));
    }

    [Fact]
    public void A_misspelt_key_a_missing_shard_and_a_fatal_bad_line_are_refused_by_name()
    {
        File.WriteAllText(P("typo.conf"), "hfedmoe.hf.federate.round = 3\n");
        var typo = Run("federate", "--config", P("typo.conf"));
        Assert.NotEqual(0, typo.Code);
        Assert.Contains("hfedmoe.hf.federate.round", typo.Err, StringComparison.Ordinal);
        Assert.Contains("rounds", typo.Err, StringComparison.Ordinal);

        Assert.Equal(0, Run("hf-tiny", "--out", P("tiny"), "--lines", "8").Code);
        File.AppendAllText(Directory.GetFiles(P("tiny", "clients"), "*.jsonl", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First(), "{\"txet\": \"typo\"}\n");
        File.WriteAllText(P("fatal.conf"), "hfedmoe.hf.data.bad-lines = fatal\n");
        var fatal = Run("federate", "--config", P("fatal.conf"), "--model", P("tiny", "model"), "--clients", P("tiny", "clients"), "--out", P("run"), "--rounds", "1");
        Assert.Equal(1, fatal.Code);
        Assert.Matches(@"data\.jsonl:9: expected a string ""text""", fatal.Err);

        var skipped = Run("federate", "--model", P("tiny", "model"), "--clients", P("tiny", "clients"), "--out", P("run"), "--rounds", "1");
        Assert.True(skipped.Code == 0, skipped.Err);
        Assert.Matches(@"skipped bad line .*data\.jsonl:9:", skipped.Out);

        File.WriteAllText(P("naive.conf"), "hfedmoe.hf.federate.strategy = fedavg-naive\n");
        var naive = Run("federate", "--config", P("naive.conf"), "--model", P("tiny", "model"), "--clients", P("tiny", "clients"), "--out", P("run2"), "--rounds", "1");
        Assert.Equal(1, naive.Code);
        Assert.Contains("strategy 'fedavg-naive' is not offered for Hugging Face models", naive.Err, StringComparison.Ordinal);

        TinyHfCheckpoint.Write(P("sharded"), TinyHfCheckpoint.Config(HfArchitecture.Qwen3Moe), 1, maxShardBytes: 30_000);
        File.Delete(Directory.GetFiles(P("sharded"), "model-00003-of-*.safetensors").Single());
        var missing = Run("import", P("sharded"));
        Assert.Equal(1, missing.Code);
        Assert.Matches(@"import: .*model-00003-of-\d+\.safetensors: shard missing; model\.safetensors\.index\.json places tensor 'model\.", missing.Err);
    }

    [Fact]
    public void The_device_and_threads_come_from_hfedmoe_model_and_a_bad_or_absent_device_is_refused_by_name()
    {
        File.WriteAllText(P("gpu.conf"), "hfedmoe.model.device = gpu\n");
        var bad = Run("federate", "--config", P("gpu.conf"), "--model", P("none"), "--clients", P("none"));
        Assert.Equal(1, bad.Code);
        Assert.Contains("hfedmoe.model.device = 'gpu'; expected cpu, cuda or cuda:N", bad.Err, StringComparison.Ordinal);

        File.WriteAllText(P("threads.conf"), "hfedmoe.model.threads = -2\n");
        var threads = Run("federate", "--config", P("threads.conf"), "--model", P("none"), "--clients", P("none"));
        Assert.Equal(1, threads.Code);
        Assert.Contains("hfedmoe.model.threads = -2", threads.Err, StringComparison.Ordinal);

        Assert.Equal(0, Run("hf-tiny", "--out", P("tiny"), "--lines", "8").Code);
        File.WriteAllText(P("cuda.conf"), "hfedmoe.model.device = \"cuda:0\"\n");
        var cuda = Run("federate", "--config", P("cuda.conf"), "--model", P("tiny", "model"), "--clients", P("tiny", "clients"), "--out", P("run"), "--rounds", "1");
        Assert.Equal(1, cuda.Code);
        Assert.Contains("hfedmoe.model.device = cuda:0", cuda.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(P("run", "metrics.jsonl")), "nothing is trained on a device that was refused");
    }
}
