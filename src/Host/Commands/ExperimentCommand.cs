using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using HFedMoE.Host.Experiment;
using HFedMoE.Host.Simulation;
using Akka.Actor;
using Akka.Configuration;
using HFedMoE.Actors.Configuration;
using Spectre.Console;

namespace HFedMoE.Host.Commands;

/// <summary>
/// <c>hfedmoe experiment</c>: the §5 benchmark grid (strategies × seeds × alphas × budget sets),
/// one <c>simulate</c> run per cell, then metrics, a summary with computed verdicts and an HTML/SVG
/// report. Complete cells are reused, so an interrupted experiment resumes.
/// </summary>
internal static class ExperimentCommand
{
    public static Command Build(CliContext context)
    {
        var config = CliOptions.Path("--config", null, $"HOCON file layered over the defaults; its {ExperimentChoices.ConfigPath} section sets any grid option below and its {SimulationSettings.ConfigPath} section the cells' clients, model and training (the command line wins)");
        var preset = CliOptions.Choice("--preset", "full", [.. ExperimentPreset.Names], "grid preset (full: §5, < 1 h on 2 cores; quick: < 5 min)");
        var strategies = List("--strategies", "comma list of strategies (default: the preset's)", (text, source) => GridListParser.Strategies(GridListParser.Split(text), source));
        var seeds = List("--seeds", "comma list of seeds (default: the preset's)", (text, source) => GridListParser.Seeds(GridListParser.Split(text), source));
        var alphas = List("--alphas", "comma list of Dirichlet α (default: the preset's)", (text, source) => GridListParser.Alphas(GridListParser.Split(text), source));
        var budgetSets = List("--budget-sets", "budget-tier sets, ';' between sets, ',' between tiers, e.g. \"4,8,16,32;8,8,8,8\" (default: the simulate section's tiers)",
            (text, source) => GridListParser.BudgetSets(GridListParser.Split(text, ';'), source));
        var rounds = CliOptions.Int("--rounds", 0, 1, "federated rounds per cell (default: the preset's)");
        var pretrainSteps = CliOptions.Int("--pretrain-steps", 0, 1, "pre-training steps of each seed's base (default: the preset's)");
        var outDir = CliOptions.Path("--out", null, "output folder (default .data/experiment): bases, cells/, metrics, summary, report.html, plots/");
        var basePath = CliOptions.Path("--base", null, "one pre-trained checkpoint for every cell (default: pre-train one per seed)");
        var parallel = CliOptions.Int("--parallel", 1, 1, "cells run at once (default 1: each cell already uses both cores)");
        var progress = CliOptions.Choice("--progress", "auto", [.. ExperimentChoices.ProgressModes], "progress display (auto: a bar on a terminal, lines otherwise)");
        var diagnose = new Option<bool>("--diagnose") { Description = "write diagnostics-experts.csv and diagnostics-clients.csv in each cell's folder (a complete cell without them runs again)" };

        var command = new Command("experiment", "run the benchmark grid (strategies × seeds × alphas), then write metrics, a summary with the §5 verdicts and an HTML/SVG report")
        {
            config, preset, strategies, seeds, alphas, budgetSets, rounds, pretrainSteps, outDir, basePath, parallel, progress, diagnose,
        };
        command.SetAction((parse, cancellation) =>
        {
            Config loaded;
            ExperimentSettings settings;
            try
            {
                loaded = HfedmoeConfig.Load(parse.GetValue(config));
                var fromConfig = ExperimentChoices.FromConfig(loaded);
                var fromCli = new ExperimentChoices
                {
                    Preset = Given(parse, preset) ? parse.GetValue(preset) : null,
                    Strategies = Given(parse, strategies) ? GridListParser.Strategies(GridListParser.Split(parse.GetValue(strategies)!), "--strategies") : null,
                    Seeds = Given(parse, seeds) ? GridListParser.Seeds(GridListParser.Split(parse.GetValue(seeds)!), "--seeds") : null,
                    Alphas = Given(parse, alphas) ? GridListParser.Alphas(GridListParser.Split(parse.GetValue(alphas)!), "--alphas") : null,
                    BudgetSets = Given(parse, budgetSets) ? GridListParser.BudgetSets(GridListParser.Split(parse.GetValue(budgetSets)!, ';'), "--budget-sets") : null,
                    Rounds = Given(parse, rounds) ? parse.GetValue(rounds) : null,
                    PretrainSteps = Given(parse, pretrainSteps) ? parse.GetValue(pretrainSteps) : null,
                    Out = Given(parse, outDir) ? parse.GetValue(outDir) : null,
                    BasePath = Given(parse, basePath) ? parse.GetValue(basePath) : null,
                    Parallel = Given(parse, parallel) ? parse.GetValue(parallel) : null,
                    Progress = Given(parse, progress) ? parse.GetValue(progress) : null,
                };
                var choices = fromCli.Over(fromConfig);
                var template = SimulationSettings.FromConfig(loaded);
                template = template with { Diagnose = template.Diagnose || parse.GetValue(diagnose) };
                settings = ExperimentSettings.Resolve(choices, template).Validate();
                if (settings.BasePath is not null && !File.Exists(settings.BasePath))
                {
                    throw new ArgumentException($"--base file '{settings.BasePath}' not found (write one with hfedmoe pretrain)");
                }
                string mode = choices.Progress ?? "auto";
                bool bar = mode == "bar" || (mode == "auto" && context.Interactive);
                return Task.FromResult(Execute(context, settings, loaded, bar, cancellation));
            }
            catch (Exception e) when (e is ConfigurationException or FormatException or ArgumentException)
            {
                context.Error.WriteLine($"hfedmoe experiment: {OneLine(e.Message)}");
                return Task.FromResult(HfedmoeCli.UsageError);
            }
        });
        return command;
    }

    /// <summary>A list option validated while parsing, so a bad item is a one-line usage error naming the option.</summary>
    private static Option<string> List<T>(string name, string description, Func<string, string, T> parse) =>
        new(name)
        {
            Description = description,
            CustomParser = result =>
            {
                string text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
                try
                {
                    parse(text, name);
                }
                catch (ArgumentException e)
                {
                    result.AddError(e.Message);
                }
                return text;
            },
        };

    private static bool Given<T>(ParseResult parse, Option<T> option) => parse.GetResult(option) is { Implicit: false };

    private static string OneLine(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static int Execute(CliContext context, ExperimentSettings s, Config config, bool bar, CancellationToken cancellation)
    {
        var inv = CultureInfo.InvariantCulture;
        int cells = s.Cells().Count;
        context.Out.WriteLine(string.Create(inv,
            $"experiment ({s.Preset}): {s.Strategies.Count} strategies × {s.Seeds.Count} seeds × {s.Alphas.Count} alphas × {s.BudgetSets.Count} budget sets = {cells} cells, {s.Rounds} rounds each, {s.Template.Clients} clients; out {Path.GetFullPath(s.Out)}"));
        string CellLine(CellProgress p) => string.Create(inv,
            $"[{p.Done}/{p.Total}] {p.Cell}: {(p.Reused ? "reused" : "done")}, final accuracy {p.FinalAccuracy:P1}, {p.Seconds:F1}s{(p.Reused ? "" : $", grid ETA {PretrainCommand.Duration(p.Remaining)}")}");
        try
        {
            ExperimentResult result;
            if (bar)
            {
                result = AnsiConsole.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .Start(ctx =>
                    {
                        var grid = ctx.AddTask("cells", maxValue: cells);
                        ProgressTask? pre = null;
                        return ExperimentRunner.Run(s, config, line => AnsiConsole.MarkupLine(Markup.Escape(line)), p =>
                        {
                            AnsiConsole.MarkupLine(Markup.Escape(CellLine(p)));
                            grid.Value = p.Done;
                        }, (seed, p) =>
                        {
                            pre ??= ctx.AddTask("pretrain", maxValue: p.TotalSteps);
                            pre.MaxValue = p.TotalSteps;
                            pre.Value = p.Step;
                            pre.Description = string.Create(inv, $"pretrain seed {seed} {p.Step}/{p.TotalSteps}");
                        }, cancellation);
                    });
            }
            else
            {
                result = ExperimentRunner.Run(s, config, context.Out.WriteLine, p => context.Out.WriteLine(CellLine(p)), (seed, p) =>
                {
                    int every = Math.Max(1, p.TotalSteps / 5);
                    if (p.Step % every == 0 || p.Step == p.TotalSteps)
                    {
                        context.Out.WriteLine(string.Create(inv, $"pretrain seed {seed}: step {p.Step}/{p.TotalSteps} loss {p.Loss:F4} ETA {PretrainCommand.Duration(p.Remaining)}"));
                    }
                }, cancellation);
            }
            context.Out.WriteLine(string.Create(inv,
                $"{result.CellsRun} cells run, {result.CellsReused} reused; elapsed {PretrainCommand.Duration(result.Elapsed)}"));
            foreach (string file in result.Files.Where(f => !f.Contains(Path.DirectorySeparatorChar + "plots" + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
            {
                context.Out.WriteLine($"wrote {file}");
            }
            context.Out.WriteLine($"wrote {result.Files.Count(f => f.EndsWith(".svg", StringComparison.Ordinal))} plots in {Path.Combine(Path.GetFullPath(s.Out), "plots")}");
            return HfedmoeCli.Success;
        }
        catch (OperationCanceledException)
        {
            context.Error.WriteLine("hfedmoe experiment: cancelled; finished cells are kept and reused by the next run");
            return HfedmoeCli.Failure;
        }
        catch (Exception e) when (e is ConfigurationException or ArgumentException)
        {
            context.Error.WriteLine($"hfedmoe experiment: {OneLine(e.Message)}");
            return HfedmoeCli.UsageError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or TimeoutException or AskTimeoutException or InvalidDataException)
        {
            context.Error.WriteLine($"hfedmoe experiment: {OneLine(e.Message)}");
            return HfedmoeCli.Failure;
        }
    }
}
