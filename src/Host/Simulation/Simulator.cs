using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HFedMoE.Actors.Rounds;
using HFedMoE.Actors.Server;
using HFedMoE.Host.Pretraining;
using HFedMoE.Model.Checkpoints;
using HFedMoE.Model.Data;
using HFedMoE.Model.Federated;
using HFedMoE.Model.Nn;
using HFedMoE.Runtime.Actor;
using HFedMoE.Runtime.Configuration;

namespace HFedMoE.Host.Simulation;

/// <summary>
/// An in-process federated fine-tuning run: the base model (loaded or pre-trained), the
/// benchmark's client partitions, an actor system with the SQLite journal and the update spool
/// in the data folder, then one round at a time with the global model evaluated after each.
/// </summary>
internal static class Simulator
{
    public const string JournalFile = "journal.db";
    public const string BaseFile = "base.safetensors";

    /// <summary>The effective settings of the run (after the command line, the config file and the checkpoint's shape).</summary>
    public const string SettingsFile = "settings.json";

    private static readonly JsonSerializerOptions SettingsJson = new() { WriteIndented = true };

    /// <param name="config">The loaded configuration (user file over reference); its <c>hfedmoe.rounds</c> and persistence settings apply, with the data folder set to <see cref="SimulationSettings.DataDir"/>.</param>
    /// <param name="log">One-line notes (what is being done).</param>
    /// <exception cref="InvalidOperationException">The data folder already holds a run, the checkpoint does not fit the model, or a round failed.</exception>
    public static SimulationResult Run(
        SimulationSettings settings,
        Config config,
        Action<string> log,
        Action<PretrainProgress>? pretrainProgress = null,
        Action<RoundReport, TimeSpan>? roundProgress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(log);
        settings.Validate();
        var clock = Stopwatch.StartNew();
        string dataDir = Path.GetFullPath(settings.DataDir);
        if (File.Exists(Path.Combine(dataDir, JournalFile)))
        {
            throw new InvalidOperationException($"{dataDir} already holds a run ({JournalFile}); choose another --data-dir or delete that folder");
        }
        Directory.CreateDirectory(dataDir);

        string basePath;
        if (settings.BasePath is null)
        {
            basePath = Pretrain(settings, Path.Combine(dataDir, BaseFile), log, pretrainProgress, cancellation);
        }
        else
        {
            basePath = Path.GetFullPath(settings.BasePath);
            settings = WithCheckpointShape(settings, basePath, log);
        }
        File.WriteAllText(Path.Combine(dataDir, SettingsFile), JsonSerializer.Serialize(settings with { BasePath = basePath }, SettingsJson));
        var modelConfig = settings.Model;
        var initial = InitialModel(settings, basePath);

        var splits = BenchmarkSplits.Generate(settings.Corpus, settings.Partition, (ulong)settings.Seed);
        var clients = splits.Clients.Select((p, i) => ClientSetup.From(p, settings.TierOf(i))).ToList();
        var test = new GlobalEvaluator(modelConfig, splits.Test);
        var rare = new GlobalEvaluator(modelConfig, splits.RareTest);
        double initialAccuracy = test.Accuracy(initial), initialRare = rare.Accuracy(initial);
        log(string.Create(CultureInfo.InvariantCulture, $"base model: test accuracy {initialAccuracy:P1}, rare {initialRare:P1} (fresh head)"));

        var systemConfig = ConfigurationFactory.ParseString($"hfedmoe.persistence.data-dir = {JsonSerializer.Serialize(dataDir)}").WithFallback(config);
        var rounds = RoundSettings.FromConfig(systemConfig);
        var setup = new FederationSetup(
            settings.Strategy, settings.StrategyOptions(), modelConfig, initial, clients, rounds,
            new LocalTrainerOptions { FrozenPrefixes = settings.FrozenPrefixes });
        var timeout = rounds.Deadline * (rounds.MaxExtensions + 2);
        var file = new RoundMetricsFile(dataDir);
        var reports = new List<RoundReport>();
        var system = ActorSystem.Create("simulate", systemConfig);
        try
        {
            var server = system.ActorOf(FederationServer.Props(setup, UpdateSpool.InDirectory(Path.Combine(dataDir, "spool"))), "server");
            string digest = "";
            var roundsClock = Stopwatch.StartNew();
            for (int r = 0; r < settings.Rounds; r++)
            {
                cancellation.ThrowIfCancellationRequested();
                var started = roundsClock.Elapsed;
                object reply = server.Ask<object>(new RunRounds(1), timeout, cancellation).GetAwaiter().GetResult();
                var result = reply as FederationResult
                    ?? throw new InvalidOperationException($"round {r} failed: {(reply as FederationFailed)?.Reason ?? reply.ToString()}");
                var report = Report(result, test, rare, ref digest, (roundsClock.Elapsed - started).TotalSeconds);
                reports.Add(report);
                file.Write(reports);
                var eta = TimeSpan.FromSeconds(roundsClock.Elapsed.TotalSeconds / (r + 1) * (settings.Rounds - r - 1));
                roundProgress?.Invoke(report, eta);
            }
        }
        finally
        {
            system.Terminate().Wait(30_000, CancellationToken.None);
        }
        return new SimulationResult(reports, initialAccuracy, initialRare, basePath, file.CsvPath, file.JsonPath, clock.Elapsed);
    }

    /// <summary>The fine-tuning model at version 0: the base checkpoint's trunk and a fresh task head seeded by <see cref="SimulationSettings.Seed"/>.</summary>
    internal static GlobalModel InitialModel(SimulationSettings settings, string basePath)
    {
        var model = new MoETransformer(settings.Model, settings.Seed);
        ModelCheckpoint.Load(basePath, model.Parameters, new CheckpointLoadOptions { IgnoreUnexpected = true, KeepPrefixes = ["head."] });
        return GlobalModel.FromStore(model.Parameters);
    }

    private static RoundReport Report(FederationResult result, GlobalEvaluator test, GlobalEvaluator rare, ref string digest, double seconds)
    {
        switch (result.Rounds[0])
        {
            case RoundCompleted c:
                digest = c.ModelDigest;
                int accepted = c.Metrics.TryGetValue(RoundMetric.Accepted, out double a) ? (int)a : -1;
                return new RoundReport(c.Round, "committed", test.Accuracy(result.Model), rare.Accuracy(result.Model), accepted, c.Dropped.Count, digest, seconds, c.Metrics);
            case RoundClosed closed:
                return new RoundReport(closed.Round, "closed-incomplete", test.Accuracy(result.Model), rare.Accuracy(result.Model), 0, 0, digest, seconds, new Dictionary<string, double>());
            default:
                throw new InvalidOperationException($"unexpected round outcome {result.Rounds[0]}");
        }
    }

    /// <summary>The checkpoint's model shape (from the <c>model_config</c> metadata hfedmoe pretrain writes), when it has one.</summary>
    private static SimulationSettings WithCheckpointShape(SimulationSettings settings, string path, Action<string> log)
    {
        if (!SafeTensorsReader.Read(path).Metadata.TryGetValue("model_config", out string? json))
        {
            return settings;
        }
        var saved = JsonSerializer.Deserialize<ModelConfig>(json)
            ?? throw new InvalidOperationException($"{path}: the model_config metadata is empty");
        var corpus = settings.Corpus;
        if (saved.Vocab != corpus.VocabularySize || saved.SeqLen != corpus.SequenceLength)
        {
            throw new InvalidOperationException($"{path} was trained for vocabulary {saved.Vocab} and length {saved.SeqLen}; the benchmark has {corpus.VocabularySize} and {corpus.SequenceLength}");
        }
        var shaped = settings.WithShapeOf(saved);
        if (shaped.Model != settings.Model)
        {
            log($"model shape from the checkpoint: d={saved.DModel}, {saved.Layers}×{saved.Experts} experts (hidden {saved.ExpertHidden}, top-{saved.TopK}), attention {(saved.UseAttention ? "on" : "off")}");
        }
        return shaped.Validate();
    }

    private static string Pretrain(SimulationSettings settings, string path, Action<string> log, Action<PretrainProgress>? progress, CancellationToken cancellation)
    {
        var pretrain = new PretrainSettings
        {
            Steps = settings.PretrainSteps,
            Seed = settings.Seed,
            Corpus = settings.Corpus,
            Model = settings.Model with { LmHead = true },
        };
        log($"no --base given: pre-training {pretrain.Steps} steps × batch {pretrain.BatchSize} → {path}");
        var result = Pretrainer.Run(pretrain, path, progress, cancellation);
        log(string.Create(CultureInfo.InvariantCulture, $"pre-trained in {result.Elapsed.TotalSeconds:F1} s: loss {result.InitialLoss:F3} → {result.FinalLoss:F3}"));
        return result.CheckpointPath;
    }
}
