using System.Text.Json;
using HFedMoE.Host.Simulation;
using HFedMoE.Host.Tests.Simulation;
using HFedMoE.Model.Federated;

namespace HFedMoE.Host.Tests.Experiment;

public sealed class ExperimentCommandTests(TinyExperiment run) : IClassFixture<TinyExperiment>
{
    private static string SingleLine(string error) => Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));

    [Theory]
    [InlineData("--strategies", "hfedmoe,fedprox", "'fedprox'")]
    [InlineData("--seeds", "7,x", "'x'")]
    [InlineData("--alphas", "0.5,-1", "'-1'")]
    [InlineData("--budget-sets", "4,8;8,zero", "'zero'")]
    [InlineData("--preset", "huge", "quick, full")]
    [InlineData("--progress", "fancy", "auto, bar, plain")]
    [InlineData("--parallel", "0", ">= 1")]
    public void A_bad_option_is_one_line_naming_it_and_what_it_accepts_and_exit_2(string option, string value, string expected)
    {
        var (code, output, error) = TinySimulation.Run("experiment", option, value, "--out", Path.Combine(run.Root, "never"));

        Assert.Equal(2, code);
        Assert.Equal("", output);
        string line = SingleLine(error);
        Assert.Contains(option, line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(run.Root, "never")));
    }

    [Fact]
    public void An_unknown_strategy_lists_every_valid_name()
    {
        var (_, _, error) = TinySimulation.Run("experiment", "--strategies", "fedprox");

        Assert.All(StrategyFactory.Names, name => Assert.Contains(name, error, StringComparison.Ordinal));
    }

    [Fact]
    public void A_bad_value_in_the_config_file_names_the_key()
    {
        string file = Path.Combine(run.Root, "bad.conf");
        File.WriteAllText(file, "hfedmoe.experiment.strategies = [hfedmoe, fedprox]\n");

        var (code, _, error) = TinySimulation.Run("experiment", "--config", file);

        Assert.Equal(2, code);
        Assert.Contains("hfedmoe.experiment.strategies", SingleLine(error), StringComparison.Ordinal);
    }

    [Fact]
    public void A_tiny_grid_writes_metrics_summary_report_and_plots()
    {
        Assert.True(run.Code == 0, run.Error);
        Assert.Contains("[2/2]", run.Output, StringComparison.Ordinal);
        Assert.Contains("hfedmoe seed 7 α 0.5: done, final accuracy", run.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(run.Out, "base-seed7.safetensors")));
        string cell = Path.Combine(run.Out, "cells", "a0.5", "hfedmoe", "seed-7");
        Assert.True(File.Exists(Path.Combine(cell, "rounds.json")));
        Assert.True(File.Exists(Path.Combine(cell, "cell.json")));
        Assert.False(Directory.Exists(Path.Combine(cell, "spool"))); // dropped once the cell is recorded

        // The reuse test may add a random-k cell to the same folder, so count the fixture's two cells.
        static bool Ours(string strategy) => strategy is "hfedmoe" or "fedavg-full";
        string[] metrics = File.ReadAllLines(Path.Combine(run.Out, "metrics.csv"));
        Assert.StartsWith("alpha,tiers,strategy,seed,round,", metrics[0], StringComparison.Ordinal);
        Assert.Equal(2 * 2, metrics.Skip(1).Count(l => Ours(l.Split(',')[2]))); // 2 cells × 2 rounds
        Assert.Contains(metrics, l => l.StartsWith("0.5,4-8-16-32,fedavg-full,7,1,committed,", StringComparison.Ordinal));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.Out, "metrics.json")));
        Assert.Equal(4, json.RootElement.EnumerateArray().Count(r => Ours(r.GetProperty("strategy").GetString()!)));

        string summary = File.ReadAllText(Path.Combine(run.Out, "summary.md"));
        Assert.Contains("| hfedmoe |", summary, StringComparison.Ordinal);
        Assert.Contains("Never fails a client", summary, StringComparison.Ordinal);
        Assert.Contains("Against fedavg-full", summary, StringComparison.Ordinal);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(run.Out, "summary.csv")).Count(l => l.StartsWith("0.5,4-8-16-32,hfedmoe,", StringComparison.Ordinal) || l.StartsWith("0.5,4-8-16-32,fedavg-full,", StringComparison.Ordinal)));

        string html = File.ReadAllText(Path.Combine(run.Out, "report.html"));
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        foreach (string plot in new[] { "summary.svg", "accuracy-a0.5.svg", "drop-a0.5.svg", "compute-a0.5.svg", "usage-a0.5-hfedmoe.svg" })
        {
            Assert.True(File.Exists(Path.Combine(run.Out, "plots", plot)), plot);
        }
    }

    [Fact]
    public void A_second_run_reuses_complete_cells_and_reruns_a_partial_one()
    {
        Assert.True(run.Code == 0, run.Error);
        string before = File.ReadAllText(Path.Combine(run.Out, "metrics.csv"));
        // A random-k cell that stopped before it finished: its folder holds files but no cell.json.
        // (Not the fixture's own cell: the SQLite pool of this process would still hold that
        // journal's path; the command is a new process each time.)
        string partial = Path.Combine(run.Out, "cells", "a0.5", StrategyFactory.RandomK, "seed-7");
        Directory.CreateDirectory(partial);
        File.WriteAllText(Path.Combine(partial, "rounds.csv"), "round,outcome\n0,committed\n");

        var (code, output, error) = TinySimulation.Run(
            ["experiment", "--config", run.ConfigFile, "--strategies", "hfedmoe,fedavg-full,random-k", "--out", run.Out]);

        Assert.True(code == 0, error);
        Assert.Contains("base for seed 7: reused", output, StringComparison.Ordinal);
        Assert.Contains("hfedmoe seed 7 α 0.5: reused", output, StringComparison.Ordinal);
        Assert.Contains("fedavg-full seed 7 α 0.5: reused", output, StringComparison.Ordinal);
        Assert.Contains("random-k seed 7 α 0.5: " + partial, output, StringComparison.Ordinal);
        Assert.Contains("partial or stale run; deleting it", output, StringComparison.Ordinal);
        Assert.Contains("random-k seed 7 α 0.5: done", output, StringComparison.Ordinal);
        Assert.Contains("1 cells run, 2 reused", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(partial, "cell.json")));
        string after = File.ReadAllText(Path.Combine(run.Out, "metrics.csv"));
        // The reused cells' rows are the same as before (seconds included: they come from cell.json).
        Assert.All(before.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.Contains(line, after, StringComparison.Ordinal));
        Assert.Contains(",random-k,7,1,committed,", after, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnose_writes_each_cells_diagnostics_and_a_second_run_reuses_the_cell()
    {
        string outDir = Path.Combine(run.Root, "diagnosed");
        string[] args = ["experiment", "--config", run.ConfigFile, "--strategies", StrategyFactory.SnipTopK, "--out", outDir, "--diagnose"];

        var (code, _, error) = TinySimulation.Run(args);

        Assert.True(code == 0, error);
        string cell = Path.Combine(outDir, "cells", "a0.5", StrategyFactory.SnipTopK, "seed-7");
        var experts = File.ReadAllLines(Path.Combine(cell, RunDiagnostics.ExpertsFile));
        var clients = File.ReadAllLines(Path.Combine(cell, RunDiagnostics.ClientsFile));
        Assert.Equal(RunDiagnostics.ExpertsHeader, experts[0]);
        Assert.Equal(1 + 2 * 8, experts.Length);   // 2 rounds × 2 layers × 4 experts
        Assert.Equal(1 + 2 * 3, clients.Length);   // 2 rounds × 3 clients

        var (again, output, error2) = TinySimulation.Run(args);
        Assert.True(again == 0, error2);
        Assert.Contains("snip-topk seed 7 α 0.5: reused", output, StringComparison.Ordinal);
    }
}

