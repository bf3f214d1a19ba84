using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using HFedMoE.Host.Pretraining;
using HFedMoE.Host.Simulation;
using HFedMoE.Model.Federated;
using Akka.Actor;
using Akka.Configuration;
using HFedMoE.Actors.Configuration;
using Spectre.Console;

namespace HFedMoE.Host.Commands;

/// <summary>
/// <c>hfedmoe simulate</c>: an in-process federation (actors, SQLite journal, update spool) that
/// fine-tunes the pre-trained base model on the benchmark's clients, with the global test and
/// rare-slice accuracy after every round.
/// </summary>
internal static class SimulateCommand
{
    public static Command Build(CliContext context)
    {
        var run = new RunOptions();
        var progress = CliOptions.Choice("--progress", "auto", ["auto", "bar", "plain"], "progress display (auto: a bar on a terminal, lines otherwise)");
        var diagnose = new Option<bool>("--diagnose") { Description = "also write diagnostics-experts.csv and diagnostics-clients.csv (per round: each expert's holders, merged change and staleness; each client's loss and accuracy before and after aggregation) next to rounds.csv" };
        var fresh = new Option<bool>("--fresh") { Description = "refuse a --data-dir that already holds a run instead of resuming it (nothing is ever deleted)" };

        var command = new Command("simulate", "fine-tune the base model federatedly in one process (actors, SQLite journal) and report accuracy per round");
        foreach (var option in run.All)
        {
            command.Add(option);
        }
        command.Add(progress);
        command.Add(fresh);
        command.Add(diagnose);
        command.SetAction((parse, cancellation) =>
        {
            Config loaded;
            SimulationSettings s;
            SettingOrigins origins;
            try
            {
                (loaded, s, origins) = run.Read(parse, command);
            }
            catch (Exception e) when (e is ConfigurationException or FormatException or ArgumentException)
            {
                context.Error.WriteLine($"hfedmoe simulate: {OneLine(e.Message)}");
                return Task.FromResult(HfedmoeCli.UsageError);
            }
            if (RunOptions.Given(parse, diagnose))
            {
                s = s with { Diagnose = parse.GetValue(diagnose) };
            }
            string mode = parse.GetValue(progress)!;
            bool bar = mode == "bar" || (mode == "auto" && context.Interactive);
            return Task.FromResult(Execute(context, s, origins, loaded, bar, parse.GetValue(fresh), cancellation));
        });
        return command;
    }

    private static string OneLine(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static int Execute(CliContext context, SimulationSettings settings, SettingOrigins origins, Config config, bool bar, bool fresh, CancellationToken cancellation)
    {
        try
        {
            settings.Validate(origins);
        }
        catch (ArgumentException e)
        {
            context.Error.WriteLine($"hfedmoe simulate: {OneLine(e.Message)}");
            return HfedmoeCli.UsageError;
        }
        if (settings.BasePath is not null && !File.Exists(settings.BasePath))
        {
            context.Error.WriteLine($"hfedmoe simulate: --base file '{settings.BasePath}' not found (write one with hfedmoe pretrain)");
            return HfedmoeCli.UsageError;
        }
        var s = settings;
        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"simulate: {s.Strategy}, {s.Rounds} rounds, {s.Clients} clients × {s.SamplesPerClient} samples (α {s.Alpha}), budgets {string.Join('/', s.Budgets)}, {s.LocalSteps} local steps × batch {s.BatchSize} (lr {s.LearningRate}), d={s.DModel}, {s.Layers}×{s.Experts} experts, seed {s.Seed}, data {Path.GetFullPath(s.DataDir)}"));
        try
        {
            SimulationResult result;
            if (bar)
            {
                result = AnsiConsole.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .Start(ctx =>
                    {
                        ProgressTask? pre = null;
                        var rounds = ctx.AddTask("rounds", autoStart: false, maxValue: s.Rounds);
                        return Simulator.Run(s, config, line => AnsiConsole.MarkupLine(Markup.Escape(line)), fresh, p =>
                        {
                            pre ??= ctx.AddTask("pretrain", maxValue: p.TotalSteps);
                            pre.Value = p.Step;
                            pre.Description = string.Create(CultureInfo.InvariantCulture, $"pretrain {p.Step}/{p.TotalSteps} loss {p.Loss:F3}");
                        }, (r, _) =>
                        {
                            rounds.StartTask();
                            rounds.Value = r.Round + 1;
                            rounds.Description = string.Create(CultureInfo.InvariantCulture, $"round {r.Round} ({r.Round + 1}/{s.Rounds}) acc {r.Accuracy:P1} rare {r.RareAccuracy:P1}");
                        }, cancellation);
                    });
            }
            else
            {
                result = Simulator.Run(s, config, context.Out.WriteLine, fresh, p =>
                {
                    int every = Math.Max(1, p.TotalSteps / 10);
                    if (p.Step % every == 0 || p.Step == p.TotalSteps)
                    {
                        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"pretrain step {p.Step}/{p.TotalSteps}  loss {p.Loss:F4}  ETA {PretrainCommand.Duration(p.Remaining)}"));
                    }
                }, (r, eta) => context.Out.WriteLine(RoundLine(r, s.Rounds, eta)), cancellation);
            }
            WriteSummary(context.Out, result);
            return HfedmoeCli.Success;
        }
        catch (OperationCanceledException)
        {
            context.Error.WriteLine("hfedmoe simulate: cancelled; the rounds so far are in the data folder (run the same command again to resume)");
            return HfedmoeCli.Failure;
        }
        catch (ResumeRefusedException e)
        {
            foreach (string line in e.Lines)
            {
                context.Error.WriteLine($"hfedmoe simulate: {OneLine(line)}");
            }
            return HfedmoeCli.UsageError;
        }
        catch (Exception e) when (e is ConfigurationException or ArgumentException)
        {
            // hfedmoe.rounds / hfedmoe.persistence settings, read when the federation starts.
            context.Error.WriteLine($"hfedmoe simulate: {OneLine(e.Message)}");
            return HfedmoeCli.UsageError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or TimeoutException or AskTimeoutException or KeyNotFoundException or InvalidDataException)
        {
            context.Error.WriteLine($"hfedmoe simulate: {OneLine(e.Message)}");
            return HfedmoeCli.Failure;
        }
    }

    private static string RoundLine(RoundReport r, int total, TimeSpan eta) => string.Create(CultureInfo.InvariantCulture,
        $"round {r.Round} ({r.Round + 1}/{total})  {r.Outcome}  accuracy {r.Accuracy:P1}  rare {r.RareAccuracy:P1}  accepted {r.Accepted}  dropped {r.Dropped}  {r.Seconds:F1}s  ETA {PretrainCommand.Duration(eta)}");

    private static void WriteSummary(TextWriter output, SimulationResult result)
    {
        output.WriteLine();
        if (result.AlreadyComplete)
        {
            output.WriteLine($"already complete: the data folder holds all {result.Rounds.Count} rounds; nothing was trained");
        }
        else if (result.RoundsBefore > 0)
        {
            output.WriteLine($"resumed: {result.RoundsBefore} rounds were already done, {result.Rounds.Count - result.RoundsBefore} run now");
        }
        output.WriteLine(" round | outcome           | accuracy | rare acc | accepted | dropped | seconds | model digest");
        output.WriteLine("-------+-------------------+----------+----------+----------+---------+---------+-------------");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $" {"base",5} | {"",-17} | {result.InitialAccuracy,8:P1} | {result.InitialRareAccuracy,8:P1} | {"",8} | {"",7} | {"",7} |"));
        foreach (var r in result.Rounds)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $" {r.Round,5} | {r.Outcome,-17} | {r.Accuracy,8:P1} | {r.RareAccuracy,8:P1} | {r.Accepted,8} | {r.Dropped,7} | {r.Seconds,7:F1} | {Short(r.ModelDigest)}"));
        }
        var last = result.Rounds.TakeLast(3).ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"final accuracy {result.Final.Accuracy:P2} (rare {result.Final.RareAccuracy:P2}); mean of last {last.Count}: {last.Average(r => r.Accuracy):P2} (rare {last.Average(r => r.RareAccuracy):P2}); model {result.Final.ModelDigest}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"elapsed {PretrainCommand.Duration(result.Elapsed)}; metrics in {result.CsvPath} and {result.JsonPath}"));
    }

    private static string Short(string digest) => digest.Length > 12 ? digest[..12] : digest;
}
