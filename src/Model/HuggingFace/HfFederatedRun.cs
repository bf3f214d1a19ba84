using System.Diagnostics;
using HFedMoE.Model.Data.Text;
using HFedMoE.Model.Federated;

namespace HFedMoE.Model.HuggingFace;

/// <summary>
/// Federated fine-tuning of an imported Hugging Face MoE model, in one process: each round the
/// strategy (<see cref="StrategyFactory"/>: hfedmoe and its ablations, fedavg-full, random-k)
/// plans every client by its budget, each client trains with <see cref="HfLocalTrainer"/>, the
/// strategy merges the sparse updates (sparsity-aware, importance-weighted for hfedmoe), and the
/// new model is evaluated: perplexity on each client's held-out split and on the global split
/// (all held-out splits together). Round 0 reports the imported model.
/// </summary>
public sealed class HfFederatedRun : IDisposable
{
    private readonly HfFederatedLayout _layout;
    private readonly IReadOnlyList<HfClient> _clients;
    private readonly IFederatedStrategy _strategy;
    private readonly HfLocalTrainer _trainer;
    private readonly int _padId;

    public HfFederatedRun(HfCheckpoint checkpoint, IReadOnlyList<HfClient> clients, string strategy, StrategyOptions options, int padId, TorchSharp.torch.Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(options);
        if (clients.Count == 0)
        {
            throw new ArgumentException("a federated run needs at least one client", nameof(clients));
        }
        if (!Strategies.Contains(strategy, StringComparer.Ordinal))
        {
            throw new NotSupportedException($"strategy '{strategy}' is not offered for Hugging Face models (it needs engine features the TorchSharp trainer lacks: FedAvg-Naive's failing steps, SNIP's probe, HeteroFL's widths, FLAME's k); use one of {string.Join(", ", Strategies)}");
        }
        _layout = new HfFederatedLayout(checkpoint.Layout);
        _clients = clients;
        _padId = padId;
        _strategy = StrategyFactory.Create(strategy, options with { ModelTopK = checkpoint.Config.TopK });
        _trainer = new HfLocalTrainer(_layout, padId, device);
        Model = _layout.FromCheckpoint(checkpoint);
    }

    /// <summary>The strategies whose client plans <see cref="HfLocalTrainer"/> carries out in full.</summary>
    public static IReadOnlyList<string> Strategies { get; } =
    [
        "hfedmoe", "hfedmoe-beta0", "hfedmoe-lambda1", "hfedmoe-rank-importance", "hfedmoe-fedavg-agg",
        "hfedmoe-unnormalised", "hfedmoe-no-trained-condition", "fedavg-full", "random-k",
    ];

    public GlobalModel Model { get; private set; }

    public HfFederatedLayout Layout => _layout;

    /// <summary>Evaluates the imported model (round 0), then runs <paramref name="rounds"/> rounds; <paramref name="onRound"/> sees each report as it is made.</summary>
    public IReadOnlyList<HfRoundReport> Run(int rounds, Action<HfRoundReport>? onRound = null)
    {
        var reports = new List<HfRoundReport>();
        var watch = Stopwatch.StartNew();
        Report(0, double.NaN, new Dictionary<string, int>(), new Dictionary<string, double>(), watch, reports, onRound);
        var profiles = _clients.Select(c => new ClientProfile(c.Name, c.Data.Train.Count, c.Budget)).ToList();
        for (int round = 1; round <= rounds; round++)
        {
            watch.Restart();
            var plans = _strategy.ConfigureTrain(round, Model, profiles);
            var updates = new List<SparseUpdate>(plans.Count);
            foreach (var plan in plans)
            {
                var client = _clients.First(c => c.Name == plan.ClientId);
                updates.Add(_trainer.Train(plan, Model, client.Data.Train));
            }
            var result = _strategy.AggregateTrain(round, updates, []);
            if (result.Rejections.Count > 0)
            {
                throw new InvalidOperationException($"round {round}: the strategy refused {result.Rejections.Count} update(s): {string.Join("; ", result.Rejections.Select(r => $"{r.ClientId}: {r.Reason}"))}");
            }
            Model = result.Model;
            Report(round, updates.Average(u => u.Loss), updates.ToDictionary(u => u.ClientId, u => u.TrainedExperts.Count), result.Metrics, watch, reports, onRound);
        }
        return reports;
    }

    public void Dispose() => _trainer.Dispose();

    private void Report(int round, double trainLoss, IReadOnlyDictionary<string, int> trained, IReadOnlyDictionary<string, double> metrics, Stopwatch watch, List<HfRoundReport> reports, Action<HfRoundReport>? onRound)
    {
        _layout.CopyTo(Model, _trainer.Model);
        var perClient = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var c in _clients)
        {
            perClient[c.Name] = HfPerplexity.Of(_trainer.Model, c.Data.HeldOut, _padId).Perplexity;
        }
        var global = HfPerplexity.Of(_trainer.Model, [.. _clients.SelectMany(c => c.Data.HeldOut)], _padId).Perplexity;
        var report = new HfRoundReport(round, perClient, global, trainLoss, trained, metrics, watch.Elapsed.TotalSeconds);
        reports.Add(report);
        onRound?.Invoke(report);
    }
}
