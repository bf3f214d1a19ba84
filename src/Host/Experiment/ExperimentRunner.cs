using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HFedMoE.Host.Pretraining;
using HFedMoE.Host.Simulation;
using HFedMoE.Model.Checkpoints;
using Akka.Configuration;
using HFedMoE.Actors.Configuration;

namespace HFedMoE.Host.Experiment;

/// <summary>
/// Runs the grid: one base per seed (pre-trained once into <c>{out}/base-seed{S}.safetensors</c>
/// unless a base is given), then every cell through <see cref="Simulator.Run"/>, reusing complete
/// cells and re-running partial ones, then writes the metrics, the summary and the report.
/// </summary>
internal static class ExperimentRunner
{
    public static ExperimentResult Run(
        ExperimentSettings settings,
        Config config,
        Action<string> log,
        Action<CellProgress> cellDone,
        Action<int, PretrainProgress>? pretrainProgress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(cellDone);
        settings.Validate();
        var clock = Stopwatch.StartNew();
        string outDir = Path.GetFullPath(settings.Out);
        Directory.CreateDirectory(outDir);
        settings = settings with { Out = outDir };

        var bases = new Dictionary<int, (string Path, string Digest)>();
        foreach (int seed in settings.Seeds)
        {
            cancellation.ThrowIfCancellationRequested();
            string path = settings.BasePath is { } given
                ? Path.GetFullPath(given)
                : BaseFor(settings, config, seed, log, p => pretrainProgress?.Invoke(seed, p), cancellation);
            bases[seed] = (path, CellFolder.FileDigest(path));
        }

        var cells = settings.Cells();
        var results = new IReadOnlyList<ExperimentRow>[cells.Count];
        var pending = new List<int>();
        int done = 0, reused = 0;
        for (int i = 0; i < cells.Count; i++)
        {
            var cell = cells[i];
            var cellSettings = settings.CellSettings(cell, bases[cell.Seed].Path);
            string dir = cellSettings.DataDir;
            var record = CellFolder.Complete(dir, CellFolder.Fingerprint(cellSettings, bases[cell.Seed].Digest), settings.Rounds);
            if (record is not null && cellSettings.Diagnose && !File.Exists(Path.Combine(dir, RunDiagnostics.ExpertsFile)))
            {
                // Diagnostics are written while the cell runs (the models are gone afterwards).
                record = null;
            }
            if (record is not null)
            {
                results[i] = ExperimentRow.From(cell, record.Rounds);
                done++;
                reused++;
                cellDone(new CellProgress(cell, true, record.Rounds[^1].Accuracy, record.Seconds, done, cells.Count, TimeSpan.Zero));
            }
            else
            {
                pending.Add(i);
            }
        }

        var gate = new Lock();
        double runSeconds = 0;
        int run = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = settings.Parallel, CancellationToken = cancellation };
        try
        {
            if (settings.Parallel == 1)
            {
                // On the caller's thread: one cell at a time, in grid order.
                foreach (int i in pending)
                {
                    cancellation.ThrowIfCancellationRequested();
                    RunCell(i);
                }
            }
            else
            {
                Parallel.ForEach(pending, options, i => RunCell(i));
            }
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // Report the first cell's failure as itself (the command maps exception types to exit codes).
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }

        void RunCell(int i)
        {
            var cell = cells[i];
            var (basePath, baseDigest) = bases[cell.Seed];
            var cellSettings = settings.CellSettings(cell, basePath);
            string dir = cellSettings.DataDir;
            if (CellFolder.HasContent(dir))
            {
                lock (gate)
                {
                    log($"{cell}: {dir} holds a partial or stale run; deleting it and running the cell again");
                }
                Directory.Delete(dir, recursive: true);
            }
            var cellClock = Stopwatch.StartNew();
            var result = Simulator.Run(cellSettings, config, _ => { }, null, null, cancellation);
            double seconds = cellClock.Elapsed.TotalSeconds;
            CellFolder.Write(dir, new CellRecord(CellFolder.Fingerprint(cellSettings, baseDigest), seconds, result.Rounds));
            // The update spool holds every client update (~300 MB per 10 default rounds): the full
            // grid would fill tens of GB. The experiment needs only the rounds, so it goes once the
            // cell is recorded (the journal stays; `hfedmoe replay rebuild` needs a simulate run).
            CellFolder.DropSpool(dir);
            lock (gate)
            {
                results[i] = ExperimentRow.From(cell, result.Rounds);
                done++;
                run++;
                runSeconds += seconds;
                int left = cells.Count - done;
                var remaining = TimeSpan.FromSeconds(runSeconds / run * left / Math.Min(settings.Parallel, Math.Max(left, 1)));
                cellDone(new CellProgress(cell, false, result.Final.Accuracy, seconds, done, cells.Count, remaining));
            }
        }

        var rows = results.SelectMany(r => r).ToList();
        var files = ExperimentOutputs.Write(outDir, rows);
        return new ExperimentResult(rows, run, reused, files, clock.Elapsed);
    }

    /// <summary>
    /// <c>{out}/base-seed{S}.safetensors</c>: reused when its metadata shows the same seed,
    /// steps, model and corpus; otherwise pre-trained (into a temporary file, then renamed, so an
    /// interrupted pre-training never looks finished).
    /// </summary>
    private static string BaseFor(ExperimentSettings settings, Config config, int seed, Action<string> log, Action<PretrainProgress> progress, CancellationToken cancellation)
    {
        var template = settings.Template;
        var pretrain = new PretrainSettings
        {
            Steps = settings.PretrainSteps,
            Seed = seed,
            Corpus = template.Corpus,
            Model = template.Model with { LmHead = true },
        };
        string path = Path.Combine(settings.Out, string.Create(CultureInfo.InvariantCulture, $"base-seed{seed}.safetensors"));
        if (File.Exists(path) && Matches(path, pretrain))
        {
            log($"base for seed {seed}: reused {path}");
            return path;
        }
        log(string.Create(CultureInfo.InvariantCulture, $"base for seed {seed}: pre-training {pretrain.Steps} steps → {path}"));
        string temp = Path.Combine(settings.Out, string.Create(CultureInfo.InvariantCulture, $"base-seed{seed}.partial.safetensors"));
        var result = Pretrainer.Run(pretrain, temp, TorchConfig.Open(config).Device, progress, cancellation);
        File.Move(temp, path, overwrite: true);
        log(string.Create(CultureInfo.InvariantCulture, $"base for seed {seed}: loss {result.InitialLoss:F3} → {result.FinalLoss:F3} in {result.Elapsed.TotalSeconds:F1} s"));
        return path;
    }

    private static bool Matches(string path, PretrainSettings pretrain)
    {
        var inv = CultureInfo.InvariantCulture;
        try
        {
            var metadata = SafeTensorsReader.Read(path).Metadata;
            bool Is(string key, string value) => metadata.TryGetValue(key, out string? v) && v == value;
            return Is("steps", pretrain.Steps.ToString(inv))
                && Is("seed", pretrain.Seed.ToString(inv))
                && Is("model_config", JsonSerializer.Serialize(pretrain.EffectiveModel))
                && Is("corpus_config", JsonSerializer.Serialize(pretrain.Corpus));
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }
}
