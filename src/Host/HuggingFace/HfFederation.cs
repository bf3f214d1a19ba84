using System.Globalization;
using System.Text;
using System.Text.Json;
using HFedMoE.Model.Data.Text;
using HFedMoE.Model.Federated;
using HFedMoE.Model.HuggingFace;
using HFedMoE.Model.Torch;

namespace HFedMoE.Host.HuggingFace;

/// <summary>
/// <c>hfedmoe federate</c>'s work: the model folder and every client folder loaded and checked,
/// the rounds run (<see cref="HfFederatedRun"/>), one line per round in <c>metrics.jsonl</c>
/// (held-out perplexity per client and global, training loss, trained experts, the strategy's
/// metrics), <c>report.md</c>, and the final model in the Hugging Face layout under <c>model/</c>
/// with <c>run.json</c> naming the source for <c>hfedmoe export</c>.
/// </summary>
internal static class HfFederation
{
    public const string RunFile = "run.json";
    public const string ModelFolder = "model";

    public static IReadOnlyList<HfRoundReport> Run(HfSettings s, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(log);
        string source = s.Source ?? throw new ArgumentException("no model folder: set hfedmoe.hf.model.source or give --model");
        string clientsDir = s.ClientsDir ?? throw new ArgumentException("no client data: set hfedmoe.hf.data.clients-dir or give --clients");
        var device = TorchDevice.Open(s.Torch);
        using var checkpoint = HfCheckpoint.Open(source);
        var tokenizer = HfTokenizer.Load(source);
        if (!Directory.Exists(clientsDir))
        {
            throw new DirectoryNotFoundException($"{clientsDir}: client data folder not found");
        }
        var folders = Directory.GetDirectories(clientsDir).Order(StringComparer.Ordinal).ToList();
        if (folders.Count == 0)
        {
            throw new ArgumentException($"{clientsDir}: no client subfolders (one folder of *.jsonl files per client)");
        }
        var clients = new List<HfClient>();
        for (int i = 0; i < folders.Count; i++)
        {
            var data = ClientTextData.Load(folders[i], tokenizer, s.MaxLength, s.HeldOutFraction, s.BadLines, s.Seed + i);
            foreach (string problem in data.Problems)
            {
                log.WriteLine($"skipped bad line {problem}");
            }
            double budget = s.Budgets[i % s.Budgets.Count];
            clients.Add(new HfClient(data.Name, data, budget));
            log.WriteLine($"client {data.Name}: {data.Train.Count} training and {data.HeldOut.Count} held-out examples, budget {budget.ToString(CultureInfo.InvariantCulture)} expert passes per batch");
        }
        Directory.CreateDirectory(s.Out);
        string metricsPath = Path.Combine(s.Out, "metrics.jsonl");
        var options = new StrategyOptions { Local = new LocalSettings(s.LocalSteps, s.BatchSize, s.LearningRate), Seed = s.Seed };
        using var run = new HfFederatedRun(checkpoint, clients, s.Strategy, options, tokenizer.PadId, device.Device);
        var reports = new List<HfRoundReport>();
        using (var metrics = new StreamWriter(metricsPath, append: false, new UTF8Encoding(false)))
        {
            run.Run(s.Rounds, r =>
            {
                reports.Add(r);
                metrics.WriteLine(JsonSerializer.Serialize(new
                {
                    round = r.Round,
                    global_perplexity = r.GlobalPerplexity,
                    client_perplexity = r.ClientPerplexity,
                    train_loss = double.IsNaN(r.TrainLoss) ? (double?)null : r.TrainLoss,
                    trained_experts = r.TrainedExperts,
                    metrics = r.Metrics.Where(m => double.IsFinite(m.Value)).ToDictionary(m => m.Key, m => m.Value),
                    seconds = r.Seconds,
                }));
                metrics.Flush();
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {r.Round}: held-out perplexity global {r.GlobalPerplexity:F2}; {string.Join(", ", r.ClientPerplexity.Select(p => $"{p.Key} {p.Value:F2}"))} ({r.Seconds:F1} s)"));
            });
        }
        string model = Path.Combine(s.Out, ModelFolder);
        HfCheckpointWriter.Write(model, checkpoint.Config, name => run.Layout.ValuesOf(run.Model, name), HfDtype.F32, companionsFrom: source);
        File.WriteAllText(Path.Combine(s.Out, RunFile), JsonSerializer.Serialize(new { source = Path.GetFullPath(source), rounds = s.Rounds, strategy = s.Strategy }));
        File.WriteAllText(Path.Combine(s.Out, "report.md"), Report(s, checkpoint.Config, clients, reports));
        log.WriteLine($"wrote {metricsPath}, {Path.Combine(s.Out, "report.md")} and the final model in {model} (`hfedmoe export --run {s.Out} --to <dir>` writes it in the source's dtype)");
        return reports;
    }

    private static string Report(HfSettings s, HfConfig config, IReadOnlyList<HfClient> clients, IReadOnlyList<HfRoundReport> reports)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"# Federated fine-tuning of {s.Source}");
        sb.AppendLine();
        sb.AppendLine(inv, $"{config.Architecture}, {config.Layers} layers × {config.Experts} experts (top-{config.TopK}); strategy {s.Strategy}, {s.Rounds} rounds of {s.LocalSteps} local steps × batch {s.BatchSize}, lr {s.LearningRate}.");
        sb.AppendLine();
        sb.AppendLine("Held-out perplexity (round 0: the imported model):");
        sb.AppendLine();
        sb.AppendLine("| round | global | " + string.Join(" | ", clients.Select(c => string.Create(inv, $"{c.Name} (budget {c.Budget})"))) + " | train loss |");
        sb.AppendLine("|---|---|" + string.Concat(clients.Select(_ => "---|")) + "---|");
        foreach (var r in reports)
        {
            sb.AppendLine(string.Create(inv, $"| {r.Round} | {r.GlobalPerplexity:F2} | {string.Join(" | ", clients.Select(c => r.ClientPerplexity[c.Name].ToString("F2", inv)))} | {(double.IsNaN(r.TrainLoss) ? "" : r.TrainLoss.ToString("F3", inv))} |"));
        }
        return sb.ToString();
    }
}
