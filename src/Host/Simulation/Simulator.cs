using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HFedMoE.Actors.Rounds;
using HFedMoE.Actors.Server;
using HFedMoE.Host.Pretraining;
using HFedMoE.Model.Checkpoints;
using HFedMoE.Model.Data;
using HFedMoE.Model.Federated;
using HFedMoE.Model.Torch;
using HFedMoE.Model.Nn;
using Akka.Actor;
using Akka.Configuration;
using HFedMoE.Actors.Configuration;

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

    /// <summary>
    /// Runs the simulation in <see cref="SimulationSettings.DataDir"/>, or resumes the run that
    /// folder holds: the settings must then match the stored ones (except the number of rounds,
    /// which may grow), rounds already committed are kept, a round the crash left open is
    /// finished by the round manager from its journal and spool, and the run continues up to
    /// <see cref="SimulationSettings.Rounds"/> rounds in total.
    /// </summary>
    /// <param name="config">The loaded configuration (user file over reference); its <c>hfedmoe.rounds</c> and persistence settings apply, with the data folder set to <see cref="SimulationSettings.DataDir"/>.</param>
    /// <param name="log">One-line notes (what is being done).</param>
    /// <exception cref="ResumeRefusedException">The folder holds a run these settings must not continue.</exception>
    /// <exception cref="InvalidOperationException">The checkpoint does not fit the model, or a round failed.</exception>
    public static SimulationResult Run(
        SimulationSettings settings,
        Config config,
        Action<string> log,
        Action<PretrainProgress>? pretrainProgress = null,
        Action<RoundReport, TimeSpan>? roundProgress = null,
        CancellationToken cancellation = default) =>
        Run(settings, config, log, fresh: false, pretrainProgress, roundProgress, cancellation);

    /// <inheritdoc cref="Run(SimulationSettings, Config, Action{string}, Action{PretrainProgress}?, Action{RoundReport, TimeSpan}?, CancellationToken)"/>
    /// <param name="fresh">Refuse a folder that already holds a run instead of resuming it.</param>
    public static SimulationResult Run(
        SimulationSettings settings,
        Config config,
        Action<string> log,
        bool fresh,
        Action<PretrainProgress>? pretrainProgress = null,
        Action<RoundReport, TimeSpan>? roundProgress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(log);
        settings.Validate();
        // The device first: a device that is not there fails before anything is written or pre-trained.
        var trainerOptions = TrainerOptions(settings, config, log);
        var clock = Stopwatch.StartNew();
        var folder = new RunFolder(settings.DataDir);
        string dataDir = folder.Path;
        if (fresh && folder.HoldsRun)
        {
            throw new ResumeRefusedException($"{dataDir} already holds a run and --fresh never deletes one: delete {dataDir} to start over, choose another --data-dir, or leave out --fresh to resume it");
        }
        using var held = folder.Lock();
        var stored = folder.ReadSettings() is { } saved ? folder.Relocated(saved) : null;

        string basePath;
        if (settings.BasePath is null)
        {
            basePath = folder.BasePath;
        }
        else
        {
            basePath = Path.GetFullPath(settings.BasePath);
            settings = WithCheckpointShape(settings, basePath, log);
        }
        settings = settings with { BasePath = basePath };
        var systemConfig = HfedmoeConfig.ActorSystemConfig(config, dataDir);
        var rounds = RoundSettings.FromConfig(systemConfig);
        var rules = RunFolder.RoundRules(rounds);
        if (stored is not null)
        {
            var differences = folder.Differences(stored, settings).Concat(folder.ReadRoundRules() is { } was ? folder.Differences(was, rules) : []).ToList();
            if (differences.Count > 0)
            {
                throw new ResumeRefusedException(differences);
            }
        }
        folder.RemoveTemporaryFiles();
        // Before anything else is written: from here on a crash leaves a folder that resumes.
        folder.WriteSettings(settings);
        folder.WriteRoundRules(rules);
        if (!File.Exists(basePath))
        {
            if (basePath != folder.BasePath)
            {
                throw new InvalidOperationException($"the run's base checkpoint {basePath} is missing");
            }
            // Pre-training is a function of the settings, so a base lost to a crash comes back bit-identical.
            Pretrain(settings, config, basePath, log, pretrainProgress, cancellation);
        }
        var modelConfig = settings.Model;
        var initial = InitialModel(settings, basePath);

        var splits = BenchmarkSplits.Generate(settings.Corpus, settings.Partition, (ulong)settings.Seed);
        var clients = splits.Clients.Select((p, i) => ClientSetup.From(p, settings.TierOf(i))).ToList();
        using var test = new GlobalEvaluator(modelConfig, splits.Test, trainerOptions.Device);
        using var rare = new GlobalEvaluator(modelConfig, splits.RareTest, trainerOptions.Device);
        double initialAccuracy = test.Accuracy(initial), initialRare = rare.Accuracy(initial);
        log(string.Create(CultureInfo.InvariantCulture, $"base model: test accuracy {initialAccuracy:P1}, rare {initialRare:P1} (fresh head)"));

        var file = new RoundMetricsFile(dataDir);
        var checkpoint = new GlobalCheckpoint(dataDir, modelConfig);
        var spool = UpdateSpool.InDirectory(folder.SpoolPath);
        // A SQLite journal that does not exist yet holds nothing; a server's is always read.
        var history = !SqlPersistenceConfig.UsesSqlite(systemConfig) || File.Exists(folder.JournalPath) ? RoundHistory.Read(dataDir, config) : [];
        var reports = CatchUp(history, file, checkpoint, spool, initial, test, rare, log);
        int before = reports.Count;
        var open = history.FirstOrDefault(r => r.Outcome == "open");
        if (reports.Count >= settings.Rounds)
        {
            log($"the run in {dataDir} is already complete: {reports.Count} rounds (asked for {settings.Rounds}); nothing to train");
            return new SimulationResult(reports, initialAccuracy, initialRare, basePath, file.CsvPath, file.JsonPath, clock.Elapsed, before, AlreadyComplete: true);
        }
        if (history.Count > 0)
        {
            log(open is null
                ? $"resuming the run in {dataDir}: {reports.Count} rounds done, continuing with round {reports.Count}"
                : $"resuming the run in {dataDir}: {reports.Count} rounds done, round {open.Round} was open ({open.Accepted.Count} of {open.Participants.Count} updates accepted) and is finished from the journal");
        }

        RunDiagnostics? diagnostics = null;
        GlobalModel? current = null;
        if (settings.Diagnose)
        {
            diagnostics = new RunDiagnostics(dataDir, modelConfig, trainerOptions.Device,
                [.. splits.Clients.Select((p, i) => (clients[i].Profile.ClientId, clients[i].Profile.Tier ?? "", (IReadOnlyList<Sample>)p.Samples))]);
            current = ModelAfter(reports, spool, initial);
            diagnostics.Start(reports, current);
        }

        var setup = new FederationSetup(
            settings.Strategy, settings.StrategyOptions() with { PerClientMetrics = settings.Diagnose }, modelConfig, initial, clients, rounds,
            trainerOptions);
        var timeout = rounds.Deadline * (rounds.MaxExtensions + 2);
        var system = ActorSystem.Create("simulate", systemConfig);
        try
        {
            var server = system.ActorOf(FederationServer.Props(setup, spool), "server");
            var roundsClock = Stopwatch.StartNew();
            int ran = 0;
            void Add(RoundReport report, GlobalModel model)
            {
                if (report.Round != reports.Count)
                {
                    throw new InvalidOperationException($"the federation reported round {report.Round}; round {reports.Count} was expected next");
                }
                reports.Add(report);
                if (diagnostics is not null)
                {
                    diagnostics.Record(report, current!, model);
                    current = model;
                }
                if (report.Outcome == "committed")
                {
                    checkpoint.Write(report.Round, model, report.ModelDigest);
                }
                file.Write(reports);
                ran++;
                var eta = TimeSpan.FromSeconds(roundsClock.Elapsed.TotalSeconds / ran * (settings.Rounds - reports.Count));
                roundProgress?.Invoke(report, eta);
            }

            string digest = reports.LastOrDefault(r => r.Outcome == "committed")?.ModelDigest ?? "";
            if (history.Count > 0)
            {
                // The round manager recovers before it handles anything we send; with the open
                // round resumed, wait for its outcome rather than ask for a round, which would
                // start one more than the run needs once the open round ends.
                var outcome = FinishOpenRound(system, server, timeout, cancellation);
                if (outcome is not null)
                {
                    var result = new FederationResult(outcome is RoundCompleted c ? c.Model : ModelAfter(reports, spool, initial), [outcome]);
                    Add(Report(result, test, rare, ref digest, roundsClock.Elapsed.TotalSeconds), result.Model);
                }
            }
            while (reports.Count < settings.Rounds)
            {
                cancellation.ThrowIfCancellationRequested();
                var started = roundsClock.Elapsed;
                object reply = server.Ask<object>(new RunRounds(1), timeout, cancellation).GetAwaiter().GetResult();
                var result = reply as FederationResult
                    ?? throw new InvalidOperationException($"round {reports.Count} failed: {(reply as FederationFailed)?.Reason ?? reply.ToString()}");
                Add(Report(result, test, rare, ref digest, (roundsClock.Elapsed - started).TotalSeconds), result.Model);
            }
        }
        finally
        {
            system.Terminate().Wait(30_000, CancellationToken.None);
            diagnostics?.Dispose();
        }
        return new SimulationResult(reports, initialAccuracy, initialRare, basePath, file.CsvPath, file.JsonPath, clock.Elapsed, before);
    }

    /// <summary>
    /// After a restart: subscribes to the round manager (commands wait until its recovery is
    /// done, and the subscription is handled before the round it resumed can end) and, if a
    /// round is open, waits for that round's outcome. Null when no round was open.
    /// </summary>
    private static object? FinishOpenRound(ActorSystem system, IActorRef server, TimeSpan timeout, CancellationToken cancellation)
    {
        // Identify is answered after the server's PreStart, which created the round manager.
        server.Ask<ActorIdentity>(new Identify(null), timeout, cancellation).GetAwaiter().GetResult();
        var manager = system.ActorSelection(server.Path + "/round-manager");
        using var outcomes = new BlockingCollection<object>();
        int waitMs = (int)Math.Min(int.MaxValue, timeout.TotalMilliseconds);
        var listener = system.ActorOf(RoundOutcomeListener.Props(outcomes), "resume-listener");
        try
        {
            manager.Tell(new SubscribeRounds(listener), listener);
            var status = manager.Ask<RoundStatus>(GetRoundStatus.Instance, timeout, cancellation).GetAwaiter().GetResult();
            if (status.OpenRound is not int open)
            {
                return null;
            }
            while (true)
            {
                if (!outcomes.TryTake(out object? outcome, waitMs, cancellation))
                {
                    throw new TimeoutException($"round {open}, resumed from the journal, did not end within {timeout}");
                }
                if (outcome is RoundCompleted { Round: var c } && c == open || outcome is RoundClosed { Round: var k } && k == open)
                {
                    return outcome;
                }
            }
        }
        finally
        {
            system.Stop(listener);
        }
    }

    /// <summary>
    /// The rows of the rounds the journal has finished: those already in rounds.csv (when they
    /// agree with the journal), then the ones committed but not yet written, recomputed from
    /// the model the spool holds under the journaled digest.
    /// </summary>
    private static List<RoundReport> CatchUp(
        IReadOnlyList<RoundRecord> history, RoundMetricsFile file, GlobalCheckpoint checkpoint, UpdateSpool spool,
        GlobalModel initial, GlobalEvaluator test, GlobalEvaluator rare, Action<string> log)
    {
        var finished = history.Where(r => r.Outcome != "open").ToList();
        var written = file.Read();
        var reports = new List<RoundReport>();
        foreach (var row in written)
        {
            int i = reports.Count;
            if (i >= finished.Count || row.Round != finished[i].Round || row.Outcome != finished[i].Outcome
                || (row.Outcome == "committed" && row.ModelDigest != finished[i].ModelDigest))
            {
                log($"rounds.csv row of round {row.Round} does not match the journal; rows from there on are recomputed");
                break;
            }
            reports.Add(row);
        }
        bool recomputed = false;
        string digest = reports.LastOrDefault(r => r.Outcome == "committed")?.ModelDigest ?? "";
        var model = ModelAfter(reports, spool, initial);
        foreach (var record in finished.Skip(reports.Count))
        {
            if (record.Outcome == "committed")
            {
                digest = record.ModelDigest!;
                model = ModelBlob.Read(spool.Get(digest), initial);
            }
            int accepted = record.Metrics.TryGetValue(RoundMetric.Accepted, out double a) ? (int)a : record.Accepted.Count;
            var report = record.Outcome == "committed"
                ? new RoundReport(record.Round, "committed", test.Accuracy(model), rare.Accuracy(model), accepted, record.Participants.Count - record.Accepted.Count, digest, 0, record.Metrics)
                : new RoundReport(record.Round, record.Outcome, test.Accuracy(model), rare.Accuracy(model), 0, 0, digest, 0, new Dictionary<string, double>());
            log($"round {record.Round} was {record.Outcome} in the journal but not in rounds.csv: its row is recomputed from the spooled model");
            reports.Add(report);
            recomputed = true;
        }
        if (recomputed || written.Count != reports.Count)
        {
            file.Write(reports);
        }
        var lastCommitted = reports.LastOrDefault(r => r.Outcome == "committed");
        if (lastCommitted is not null && checkpoint.Recorded() != (lastCommitted.Round, lastCommitted.ModelDigest))
        {
            checkpoint.Write(lastCommitted.Round, model, lastCommitted.ModelDigest);
        }
        return reports;
    }

    /// <summary>The global model after the last committed round of <paramref name="reports"/> (the initial model if none).</summary>
    private static GlobalModel ModelAfter(IReadOnlyList<RoundReport> reports, UpdateSpool spool, GlobalModel initial) =>
        reports.LastOrDefault(r => r.Outcome == "committed") is { } last ? ModelBlob.Read(spool.Get(last.ModelDigest), initial) : initial;

    /// <summary>The fine-tuning model at version 0: the base checkpoint's trunk and a fresh task head seeded by <see cref="SimulationSettings.Seed"/>.</summary>
    internal static GlobalModel InitialModel(SimulationSettings settings, string basePath)
    {
        var store = ParameterStore.Initial(settings.Model, settings.Seed);
        ModelCheckpoint.Load(basePath, store, new CheckpointLoadOptions { IgnoreUnexpected = true, KeepPrefixes = ["head."] });
        return GlobalModel.FromStore(store);
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

    // The libtorch device and threads from hfedmoe.model (opened once: libtorch's threads are process-wide).
    internal static LocalTrainerOptions TrainerOptions(SimulationSettings settings, Config config, Action<string> log)
    {
        var device = TorchConfig.Open(config);
        log($"training on TorchSharp: {device}");
        return new LocalTrainerOptions { FrozenPrefixes = settings.FrozenPrefixes, Device = device.Device };
    }

    /// <summary>The checkpoint's model shape (from the <c>model_config</c> metadata hfedmoe pretrain writes), when it has one.</summary>
    internal static SimulationSettings WithCheckpointShape(SimulationSettings settings, string path, Action<string> log)
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

    /// <summary>Pre-trains the run's base on the device of <paramref name="config"/>'s <c>hfedmoe.model</c> (the same device the clients train on).</summary>
    internal static string Pretrain(SimulationSettings settings, Config config, string path, Action<string> log, Action<PretrainProgress>? progress, CancellationToken cancellation)
    {
        var pretrain = new PretrainSettings
        {
            Steps = settings.PretrainSteps,
            Seed = settings.Seed,
            Corpus = settings.Corpus,
            Model = settings.Model with { LmHead = true },
        };
        log($"no --base given: pre-training {pretrain.Steps} steps × batch {pretrain.BatchSize} → {path}");
        var result = Pretrainer.Run(pretrain, path, TorchConfig.Open(config).Device, progress, cancellation);
        log(string.Create(CultureInfo.InvariantCulture, $"pre-trained in {result.Elapsed.TotalSeconds:F1} s: loss {result.InitialLoss:F3} → {result.FinalLoss:F3}"));
        return result.CheckpointPath;
    }
}
