using HFedMoE.Host.Pretraining;
using HFedMoE.Model.Data;
using HFedMoE.Model.Nn;
using HFedMoE.Model.Nn.TorchMoE;

namespace HFedMoE.Host.Tests.Pretraining;

public sealed class PretrainerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hfedmoe-ptr-" + Guid.NewGuid().ToString("N"));

    public PretrainerTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static PretrainSettings Small(string objective) => new()
    {
        Steps = 200,
        BatchSize = 16,
        WarmupSteps = 10,
        Objective = objective,
        AnalysisSamples = 400,
        Corpus = new CorpusConfig { PublicSize = 1000 },
        Model = new ModelConfig { DModel = 16, Experts = 4, ExpertHidden = 16, Layers = 1 },
    };

    [Fact]
    public void RoutingAnalysis_CountsEveryTokenOncePerChosenExpert()
    {
        var settings = Small("cooccurrence") with { Model = new ModelConfig { DModel = 16, Experts = 4, ExpertHidden = 16, Layers = 2, TopK = 2 } };
        using var model = new TorchMoETransformer(settings.EffectiveModel, settings.Seed);
        var generator = new CorpusGenerator(settings.Corpus);

        var layers = Pretrainer.AnalyseRouting(model, generator, 7, 100);

        Assert.Equal(2, layers.Count);
        foreach (var report in layers)
        {
            Assert.Equal(100 * 32 * 2, report.Experts.Sum(e => e.RoutedTokens));
            Assert.InRange(report.KeywordShareOfRouting, 0.11, 0.19);
            Assert.Equal(8, report.SubTopicRoutingEntropy.Count);
        }
    }

    [Fact]
    public void Loss_Decreases()
    {
        var result = Pretrainer.Run(Small("cooccurrence") with { Steps = 120, BatchSize = 8 }, Path.Combine(_dir, "m.safetensors"));

        Assert.True(result.FinalLoss < result.InitialLoss - 0.3f, $"loss {result.InitialLoss:F3} -> {result.FinalLoss:F3}");
    }

    [Fact]
    public void TwoRunsInOneProcess_WriteBitIdenticalCheckpoints()
    {
        var settings = Small("masked") with { Steps = 25, BatchSize = 8 };
        string a = Path.Combine(_dir, "a.safetensors"), b = Path.Combine(_dir, "b.safetensors");

        var first = Pretrainer.Run(settings, a);
        var second = Pretrainer.Run(settings, b);

        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        Assert.Equal(first.FinalLoss, second.FinalLoss);
    }

    [Fact]
    public void Checkpoint_LoadsIntoTheModelAndAParameterStore_WithTheTrainedWeights()
    {
        string path = Path.Combine(_dir, "m.safetensors");
        var settings = Small("cooccurrence") with { Steps = 10, BatchSize = 8 };

        Pretrainer.Run(settings, path);

        var metadata = HFedMoE.Model.Checkpoints.SafeTensorsReader.Read(path).Metadata;
        Assert.Equal("hfedmoe.pretrain.v1", metadata["format"]);
        var config = System.Text.Json.JsonSerializer.Deserialize<ModelConfig>(metadata["model_config"])!;
        using var torchModel = new TorchMoETransformer(config, seed: 123);
        torchModel.LoadCheckpoint(path);
        var store = new ParameterStore(ModelLayout.Of(config));
        HFedMoE.Model.Checkpoints.ModelCheckpoint.Load(path, store);
        Assert.Equal(store.Values, torchModel.ToParameterStore().Values);
        // Trained: differs from the seeded initial weights.
        var initial = ParameterStore.Initial(config, settings.Seed);
        Assert.NotEqual(initial.ValuesOf(ParameterNames.Router(0)).ToArray(), store.ValuesOf(ParameterNames.Router(0)).ToArray());
    }

    [Fact]
    public void Progress_IsReportedUpToTheLastStep_WithRateAndEta()
    {
        var seen = new List<PretrainProgress>();
        Pretrainer.Run(Small("masked") with { Steps = 30 }, Path.Combine(_dir, "m.safetensors"), progress: seen.Add);

        Assert.Equal(30, seen[^1].Step);
        Assert.Equal(TimeSpan.Zero, seen[^1].Remaining);
        Assert.All(seen, p => Assert.True(p.StepsPerSecond > 0 && float.IsFinite(p.Loss)));
        Assert.Equal(seen.Select(p => p.Step).Order(), seen.Select(p => p.Step));
    }

    [Fact]
    public void Cancellation_StopsWithoutWritingACheckpoint()
    {
        using var cts = new CancellationTokenSource();
        string path = Path.Combine(_dir, "m.safetensors");

        Assert.Throws<OperationCanceledException>(() =>
            Pretrainer.Run(Small("masked") with { Steps = 1000 }, path, progress: p =>
            {
                if (p.Step >= 5)
                {
                    cts.Cancel();
                }
            }, cancellation: cts.Token));

        Assert.False(File.Exists(path));
    }
}
