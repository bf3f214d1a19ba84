using HFedMoE.Model.Data.Text;
using HFedMoE.Model.Federated;
using HFedMoE.Model.HuggingFace;
using HFedMoE.Model.Torch;
using Xunit.Abstractions;

namespace HFedMoE.Model.Tests.HuggingFace;

/// <summary>
/// Federated fine-tuning of a tiny Qwen3-MoE over 4 clients with budgets 2/4/8/16 expert passes
/// and different text: held-out perplexity falls round over round, budgets hold, the strategy's
/// expert aggregation runs on the imported model's federated names.
/// </summary>
public sealed class HfFederatedRunTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("hfedmoe-fed-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Held_out_perplexity_falls_round_over_round_on_four_budgeted_clients()
    {
        TorchNative.EnsureLoaded();
        TorchSharp.torch.set_num_threads(1);
        string model = Path.Combine(_dir.FullName, "model");
        TinyHfCheckpoint.Write(model, TinyHfCheckpoint.Config(HfArchitecture.Qwen3Moe, vocab: TinyTokenizerFiles.VocabSize, experts: 8), seed: 5);
        TinyTokenizerFiles.Write(model);
        var tokenizer = HfTokenizer.Load(model);
        double[] budgets = [2, 4, 8, 16];
        var clients = new List<HfClient>();
        for (int i = 0; i < 4; i++)
        {
            string folder = Path.Combine(_dir.FullName, "clients", $"c{i}");
            DemoTextCorpus.WriteClient(folder, DemoTextCorpus.Topics[i], 40, (ulong)(100 + i));
            clients.Add(new HfClient($"c{i}", ClientTextData.Load(folder, tokenizer, 96, 0.25, BadLinePolicy.Fatal, 3), budgets[i]));
        }
        using var checkpoint = HfCheckpoint.Open(model);
        var options = new StrategyOptions { Local = new LocalSettings(Steps: 4, BatchSize: 8, LearningRate: 3e-3), Seed = 7 };
        using var run = new HfFederatedRun(checkpoint, clients, "hfedmoe", options, tokenizer.PadId);
        var reports = run.Run(3, r => output.WriteLine($"round {r.Round}: global ppl {r.GlobalPerplexity:F1}, clients {string.Join(" ", r.ClientPerplexity.Select(p => $"{p.Key}={p.Value:F1}"))}, trained {string.Join(" ", r.TrainedExperts.Select(p => $"{p.Key}:{p.Value}"))} ({r.Seconds:F1} s)"));
        for (int r = 1; r < reports.Count; r++)
        {
            Assert.True(reports[r].GlobalPerplexity < reports[r - 1].GlobalPerplexity, $"round {r}: global ppl {reports[r].GlobalPerplexity} did not fall from {reports[r - 1].GlobalPerplexity}");
        }
        Assert.All(clients, c => Assert.True(reports[^1].ClientPerplexity[c.Name] < reports[0].ClientPerplexity[c.Name], $"{c.Name} held-out ppl did not fall"));
        // A budget-2 client trained at most 2 experts per step and fewer in total than the budget-16 one.
        Assert.True(reports[1].TrainedExperts["c0"] < reports[1].TrainedExperts["c3"]);
        Assert.Equal(4, reports[1].Metrics[RoundMetric.Accepted]);
    }
}
