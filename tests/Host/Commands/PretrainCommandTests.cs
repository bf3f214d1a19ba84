using System.Text.Json;
using HFedMoE.Host.Commands;
using HFedMoE.Model.Checkpoints;
using HFedMoE.Model.Data;
using HFedMoE.Model.Nn;

namespace HFedMoE.Host.Tests.Commands;

public sealed class PretrainCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hfedmoe-pt-" + Guid.NewGuid().ToString("N"));

    public PretrainCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] Tiny =
    [
        "pretrain", "--batch-size", "8", "--d-model", "16", "--experts", "4", "--hidden", "16",
        "--public-size", "128", "--analysis-samples", "64", "--warmup", "2",
    ];

    private static (int Code, string Out, string Error) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = HfedmoeCli.Run(args, new CliContext(stdout, stderr, Interactive: false));
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void TinyPretrain_WritesALoadableCheckpoint_AndReportsSpecialisation()
    {
        string path = Path.Combine(_dir, "base.safetensors");

        var (code, output, error) = Run([.. Tiny, "--steps", "20", "--out", path]);

        Assert.True(code == 0, error);
        Assert.Contains("step 20/20", output);
        Assert.Contains("steps/s", output);
        Assert.Contains("mean top-sub-topic share", output);
        Assert.Contains("mutual information", output);

        var metadata = SafeTensorsReader.Read(path).Metadata;
        var config = JsonSerializer.Deserialize<ModelConfig>(metadata["model_config"])!;
        Assert.Equal(4, config.Experts);
        Assert.True(config.LmHead);
        Assert.Equal("20", metadata["steps"]);
        Assert.Equal("cooccurrence", metadata["objective"]);
        var model = new ParameterStore(ModelLayout.Of(config));
        ModelCheckpoint.Load(path, model);
        Assert.All(model.Values, v => Assert.True(float.IsFinite(v)));

        // The pre-trained trunk also loads into a fine-tuning model without the LM head.
        var finetune = ParameterStore.Initial(config with { LmHead = false }, seed: 1);
        ModelCheckpoint.Load(path, finetune, new CheckpointLoadOptions { IgnoreUnexpected = true, KeepPrefixes = ["head."] });
        Assert.Equal(model.ValuesOf(ParameterNames.TokenEmbedding).ToArray(), finetune.ValuesOf(ParameterNames.TokenEmbedding).ToArray());
    }

    [Fact]
    public void SameSeed_WritesTheSameCheckpointBytes()
    {
        string a = Path.Combine(_dir, "a.safetensors");
        string b = Path.Combine(_dir, "b.safetensors");

        Assert.Equal(0, Run([.. Tiny, "--steps", "5", "--out", a]).Code);
        Assert.Equal(0, Run([.. Tiny, "--steps", "5", "--out", b]).Code);

        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
    }

    [Fact]
    public void DataDir_GetsTheReadablePublicSplit()
    {
        string path = Path.Combine(_dir, "base.safetensors");
        string data = Path.Combine(_dir, "data");

        var (code, _, error) = Run([.. Tiny, "--steps", "2", "--out", path, "--data-dir", data]);

        Assert.True(code == 0, error);
        var lines = File.ReadAllLines(Path.Combine(data, "pretrain-public.tsv"));
        Assert.StartsWith("# hfedmoe public pre-training split, seed 7, fingerprint ", lines[0]);
        Assert.Equal(2 + 128, lines.Length);
        var vocab = new Vocabulary(new CorpusConfig());
        var fields = lines[2].Split('\t');
        int[] tokens = vocab.Encode(fields[4]);
        Assert.Equal(32, tokens.Length);
        Assert.DoesNotContain(Vocabulary.Unknown, tokens);
    }

    [Fact]
    public void UnwritableOutput_FailsWithExitCode1AndOneLine()
    {
        string blocker = Path.Combine(_dir, "file");
        File.WriteAllText(blocker, "x");

        var (code, _, error) = Run([.. Tiny, "--steps", "1", "--out", Path.Combine(blocker, "sub", "m.safetensors")]);

        Assert.Equal(1, code);
        Assert.StartsWith("hfedmoe pretrain: ", error);
    }
}
