using HFedMoE.Host.Simulation;
using HFedMoE.Model.Checkpoints;

namespace HFedMoE.Host.Tests.Simulation;

/// <summary>
/// <c>hfedmoe simulate</c> on a folder that already holds a run: it continues that run, with the
/// same settings only, and rebuilds what a crash can leave missing (rows, base, checkpoint).
/// </summary>
public sealed class SimulateResumeTests(TinySimulation run) : IClassFixture<TinySimulation>
{
    private static string[] Rows(string dir) => [.. File.ReadAllLines(Path.Combine(dir, "rounds.csv")).Skip(1)];

    /// <summary>A copy of the fixture's finished two-round run (journal, spool, base, metrics).</summary>
    private string CopyOfRun(string name)
    {
        Assert.True(run.Code == 0, run.Error);
        string copy = Path.Combine(run.Root, name);
        foreach (string file in Directory.EnumerateFiles(run.DataDir, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(copy, Path.GetRelativePath(run.DataDir, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return copy;
    }

    [Fact]
    public void A_different_result_setting_is_refused_with_one_line_per_key_naming_both_values_and_the_way_out()
    {
        string dir = CopyOfRun("mismatch");
        string before = File.ReadAllText(Path.Combine(dir, "settings.json"));
        string[] args = [.. TinySimulation.TinyArgs.Chunk(2).Where(p => p[0] != "--local-steps").SelectMany(p => p)];

        var (code, output, error) = TinySimulation.Run(["simulate", .. args, "--local-steps", "4", "--alpha", "0.1", "--data-dir", dir]);

        Assert.Equal(2, code);
        string[] lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains(lines, l => l.Contains($"hfedmoe.simulate.alpha: the run in {dir} used 0.5, now 0.1; use a new --data-dir or the same settings", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("hfedmoe.simulate.local-steps: the run in", StringComparison.Ordinal) && l.Contains("used 3, now 4", StringComparison.Ordinal));
        Assert.DoesNotContain("round 2", output, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(Path.Combine(dir, "settings.json")));
        Assert.Equal(2, Rows(dir).Length);
    }

    [Fact]
    public void A_different_round_rule_from_the_config_file_is_refused_naming_its_key()
    {
        string dir = CopyOfRun("rules");
        string file = Path.Combine(run.Root, "half.conf");
        File.WriteAllText(file, "hfedmoe.rounds.sample-fraction = 0.5\n");

        var (code, _, error) = TinySimulation.Run(["simulate", .. TinySimulation.TinyArgs, "--config", file, "--data-dir", dir]);

        Assert.Equal(2, code);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("hfedmoe.rounds.sample-fraction: the run in", line, StringComparison.Ordinal);
        Assert.Contains("used 1, now 0.5", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Fresh_refuses_a_folder_holding_a_run_and_says_how_to_start_over()
    {
        var (code, _, error) = TinySimulation.Run(["simulate", .. TinySimulation.TinyArgs, "--fresh", "--data-dir", run.DataDir]);

        Assert.Equal(2, code);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("already holds a run", line, StringComparison.Ordinal);
        Assert.Contains($"delete {run.DataDir} to start over", line, StringComparison.Ordinal);
        Assert.Contains("another --data-dir", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_another_simulate_holds_is_refused_and_free_again_once_released()
    {
        string dir = Path.Combine(run.Root, "locked");
        using (new RunFolder(dir).Lock())
        {
            var (code, _, error) = TinySimulation.Run(["simulate", .. TinySimulation.TinyArgs, "--data-dir", dir]);

            Assert.Equal(2, code);
            Assert.Contains("in use by another hfedmoe simulate", error, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(dir, "settings.json")));
        }
        using (new RunFolder(dir).Lock())
        {
            // Taken again: the refused run did not keep it.
        }
    }

    [Fact]
    public void A_journal_without_settings_is_refused_naming_the_way_out()
    {
        string dir = Path.Combine(run.Root, "foreign");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "journal.db"), "");

        var (code, _, error) = TinySimulation.Run(["simulate", .. TinySimulation.TinyArgs, "--data-dir", dir]);

        Assert.Equal(2, code);
        Assert.Contains("no settings.json", error, StringComparison.Ordinal);
        Assert.Contains($"delete {dir} to start over", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Lost_rows_base_and_checkpoint_are_rebuilt_and_more_rounds_continue_the_run_as_if_never_stopped()
    {
        string dir = CopyOfRun("crashed");
        string[] original = Rows(dir);
        byte[] baseBytes = File.ReadAllBytes(Path.Combine(dir, "base.safetensors"));
        // As a crash can leave it: round 1 committed but its row not written, the base and the
        // checkpoint gone, a temporary file of a writer that was killed.
        File.WriteAllLines(Path.Combine(dir, "rounds.csv"), [File.ReadLines(Path.Combine(dir, "rounds.csv")).First(), original[0]]);
        File.Delete(Path.Combine(dir, "base.safetensors"));
        File.Delete(Path.Combine(dir, GlobalCheckpoint.FileName));
        File.WriteAllText(Path.Combine(dir, ".base.safetensors.0123.tmp"), "torn");
        string[] three = [.. TinySimulation.TinyArgs.Chunk(2).Where(p => p[0] != "--rounds").SelectMany(p => p), "--rounds", "3"];

        var (code, output, error) = TinySimulation.Run(["simulate", .. three, "--data-dir", dir]);

        Assert.True(code == 0, error);
        Assert.Contains("round 1 was committed in the journal but not in rounds.csv", output, StringComparison.Ordinal);
        Assert.Contains("resumed: 2 rounds were already done, 1 run now", output, StringComparison.Ordinal);
        string[] rows = Rows(dir);
        Assert.Equal(3, rows.Length);
        Assert.Equal(original[0], rows[0]);
        // The recomputed row: same model and accuracies (its time is not known any more).
        Assert.Equal(Cells(original[1], 0, 1, 2, 3, 4, 5, 7), Cells(rows[1], 0, 1, 2, 3, 4, 5, 7));
        Assert.Equal(baseBytes, File.ReadAllBytes(Path.Combine(dir, "base.safetensors")));
        Assert.False(File.Exists(Path.Combine(dir, ".base.safetensors.0123.tmp")));
        var metadata = SafeTensorsReader.Read(Path.Combine(dir, GlobalCheckpoint.FileName)).Metadata;
        Assert.Equal("2", metadata["round"]);
        Assert.Equal(rows[2].Split(',')[7], metadata["model_digest"]);

        string straight = Path.Combine(run.Root, "three-straight");
        var (code3, _, error3) = TinySimulation.Run(["simulate", .. three, "--data-dir", straight]);
        Assert.True(code3 == 0, error3);
        Assert.Equal(Rows(straight).Select(r => r.Split(',')[7]), rows.Select(r => r.Split(',')[7]));
    }

    private static string[] Cells(string row, params int[] columns)
    {
        string[] cells = row.Split(',');
        return [.. columns.Select(c => cells[c])];
    }
}
