using System.Text.Json;
using HFedMoE.Model.Federated;

namespace HFedMoE.Host.Tests.Simulation;

public sealed class SimulateCommandTests(TinySimulation run) : IClassFixture<TinySimulation>
{
    private static string[] Rows(string csvPath) => File.ReadAllLines(csvPath).Skip(1).ToArray();

    private static string FinalDigest(string dataDir) => Rows(Path.Combine(dataDir, "rounds.csv"))[^1].Split(',')[7];

    [Fact]
    public void An_unknown_strategy_is_one_line_listing_every_valid_name_and_exit_2()
    {
        var (code, output, error) = TinySimulation.Run("simulate", "--strategy", "fedprox");

        Assert.Equal(2, code);
        Assert.Equal("", output);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--strategy", line, StringComparison.Ordinal);
        Assert.Contains("'fedprox'", line, StringComparison.Ordinal);
        Assert.All(StrategyFactory.Names, name => Assert.Contains(name, line, StringComparison.Ordinal));
    }

    [Fact]
    public void A_bad_value_in_the_config_file_is_one_line_naming_the_key_and_exit_2()
    {
        string file = Path.Combine(run.Root, "bad.conf");
        Directory.CreateDirectory(run.Root);
        File.WriteAllText(file, "hfedmoe.simulate.strategy = fedprox\n");

        var (code, _, error) = TinySimulation.Run("simulate", "--config", file);

        Assert.Equal(2, code);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("'fedprox'", line, StringComparison.Ordinal);
        Assert.Contains(StrategyFactory.HeteroFL, line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_base_checkpoint_is_a_usage_error()
    {
        var (code, _, error) = TinySimulation.Run("simulate", "--base", Path.Combine(run.Root, "nope.safetensors"), "--data-dir", Path.Combine(run.Root, "unused"));

        Assert.Equal(2, code);
        Assert.Contains("nope.safetensors", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(run.Root, "unused")));
    }

    [Fact]
    public void A_tiny_run_exits_0_and_leaves_a_journal_a_spool_and_one_metrics_row_per_round()
    {
        Assert.True(run.Code == 0, run.Error);
        Assert.True(File.Exists(Path.Combine(run.DataDir, "journal.db")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(run.DataDir, "spool")));
        string[] rows = Rows(Path.Combine(run.DataDir, "rounds.csv"));
        Assert.Equal(2, rows.Length);
        Assert.StartsWith("0,committed,", rows[0], StringComparison.Ordinal);
        Assert.StartsWith("1,committed,", rows[1], StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.DataDir, "rounds.json")));
        Assert.Equal(2, json.RootElement.GetArrayLength());
        double accuracy = json.RootElement[1].GetProperty("accuracy").GetDouble();
        Assert.InRange(accuracy, 0, 1);
        Assert.Equal(3, json.RootElement[1].GetProperty("accepted").GetInt32());
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.DataDir, "settings.json")));
        Assert.Equal(16, settings.RootElement.GetProperty("DModel").GetInt32());
        Assert.Equal(Path.Combine(run.DataDir, "base.safetensors"), settings.RootElement.GetProperty("BasePath").GetString());
        Assert.Contains("round 1 (2/2)", run.Out, StringComparison.Ordinal);
        Assert.Contains("final accuracy", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_run_into_a_finished_folder_says_already_complete_exits_0_and_trains_nothing()
    {
        Assert.True(run.Code == 0, run.Error);
        string before = File.ReadAllText(Path.Combine(run.DataDir, "rounds.csv"));
        var stamp = File.GetLastWriteTimeUtc(Path.Combine(run.DataDir, "rounds.csv"));

        var (code, output, error) = TinySimulation.Run(["simulate", .. TinySimulation.TinyArgs, "--data-dir", run.DataDir]);

        Assert.True(code == 0, error);
        Assert.Contains("already complete", output, StringComparison.Ordinal);
        Assert.DoesNotContain("pretrain step", output, StringComparison.Ordinal);
        Assert.Contains(FinalDigest(run.DataDir), output, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(Path.Combine(run.DataDir, "rounds.csv")));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(run.DataDir, "rounds.csv")));
    }

    [Fact]
    public void The_same_seed_gives_the_same_accuracy_and_model_digest_and_the_config_file_sets_options()
    {
        Assert.True(run.Code == 0, run.Error);
        string again = Path.Combine(run.Root, "again");
        string file = Path.Combine(run.Root, "two-rounds.conf");
        File.WriteAllText(file, $"hfedmoe.simulate {{ rounds = 2, local-steps = 3, data-dir = {JsonSerializer.Serialize(again)} }}\n");
        string[] args = [.. TinySimulation.TinyArgs];
        // rounds, local steps and the data folder come from the file; everything else as the fixture's run.
        var fromCli = args.Chunk(2).Where(p => p[0] is not "--rounds" and not "--local-steps").SelectMany(p => p);

        var (code, _, error) = TinySimulation.Run(["simulate", "--config", file, .. fromCli]);

        Assert.True(code == 0, error);
        string[] first = Rows(Path.Combine(run.DataDir, "rounds.csv")), second = Rows(Path.Combine(again, "rounds.csv"));
        Assert.Equal(2, second.Length);
        Assert.Equal(FinalDigest(run.DataDir), FinalDigest(again));
        Assert.Equal(first.Select(r => r.Split(',')[2]), second.Select(r => r.Split(',')[2])); // accuracy per round
    }

    [Fact]
    public void A_base_checkpoint_brings_its_own_model_shape()
    {
        Assert.True(run.Code == 0, run.Error);
        string dir = Path.Combine(run.Root, "from-base");

        // No shape options: the defaults (d = 64, 16 experts) would not fit the tiny checkpoint.
        var (code, output, error) = TinySimulation.Run(
            "simulate", "--base", Path.Combine(run.DataDir, "base.safetensors"), "--rounds", "1", "--clients", "2",
            "--samples-per-client", "16", "--local-steps", "2", "--public-size", "64", "--progress", "plain", "--data-dir", dir);

        Assert.True(code == 0, error);
        Assert.Contains("model shape from the checkpoint: d=16, 2×4 experts", output, StringComparison.Ordinal);
        Assert.Single(File.ReadAllLines(Path.Combine(dir, "rounds.csv")).Skip(1));
        Assert.False(File.Exists(Path.Combine(dir, "base.safetensors")));
    }
}
