namespace HFedMoE.Host.Tests.Simulation;

public sealed class ReplayCommandTests(TinySimulation run) : IClassFixture<TinySimulation>
{
    private string[] CsvDigests() =>
        [.. File.ReadAllLines(Path.Combine(run.DataDir, "rounds.csv")).Skip(1).Select(r => r.Split(',')[7])];

    [Fact]
    public void List_prints_every_persisted_round_with_its_model_digest()
    {
        Assert.True(run.Code == 0, run.Error);

        var (code, output, error) = TinySimulation.Run("replay", "list", "--data-dir", run.DataDir);

        Assert.True(code == 0, error);
        var rows = output.Split('\n').Where(l => l.Contains("committed", StringComparison.Ordinal) && l.Contains('|')).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(["0", "1"], rows.Select(r => r.Split('|')[0].Trim()));
        Assert.Equal(CsvDigests(), rows.Select(r => r.Split('|')[^1].Trim()));
        Assert.All(rows, r => Assert.Equal("3", r.Split('|')[3].Trim()));   // participants
        Assert.Contains("2 rounds, 2 committed", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Show_prints_the_participants_their_plan_and_update_digests_and_the_metrics()
    {
        Assert.True(run.Code == 0, run.Error);

        var (code, output, error) = TinySimulation.Run("replay", "show", "--round", "1", "--data-dir", run.DataDir);

        Assert.True(code == 0, error);
        Assert.Contains("round 1: committed", output, StringComparison.Ordinal);
        Assert.Contains(CsvDigests()[1], output, StringComparison.Ordinal);
        for (int c = 0; c < 3; c++)
        {
            Assert.Contains($"client-{c}", output, StringComparison.Ordinal);
        }
        Assert.Equal(3, output.Split('\n').Count(l => l.Contains("accepted update ", StringComparison.Ordinal)));
        Assert.Contains("updates.accepted", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Show_of_a_round_not_in_the_journal_names_the_persisted_range_and_exits_2()
    {
        Assert.True(run.Code == 0, run.Error);

        var (code, _, error) = TinySimulation.Run("replay", "show", "--round", "9", "--data-dir", run.DataDir);

        Assert.Equal(2, code);
        Assert.Contains("persisted rounds: 0..1", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_without_a_journal_is_a_usage_error()
    {
        var (code, _, error) = TinySimulation.Run("replay", "list", "--data-dir", Path.Combine(run.Root, "empty"));

        Assert.Equal(2, code);
        Assert.Contains("holds no journal.db", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Show_without_a_round_asks_for_one_and_exits_2()
    {
        Assert.True(run.Code == 0, run.Error);

        var (code, _, error) = TinySimulation.Run("replay", "show", "--data-dir", run.DataDir);

        Assert.Equal(2, code);
        Assert.Contains("--round is required; persisted rounds: 0..1", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Rebuild_re_merges_each_round_from_the_spool_to_the_committed_digest()
    {
        Assert.True(run.Code == 0, run.Error);

        foreach (var (round, digest) in CsvDigests().Select((d, i) => (i, d)))
        {
            var (code, output, error) = TinySimulation.Run("replay", "rebuild", "--round", $"{round}", "--data-dir", run.DataDir);

            Assert.True(code == 0, error + output);
            Assert.Contains("plans match their digests; 3 spooled updates re-merged, 0 refused", output, StringComparison.Ordinal);
            Assert.Contains($"rebuilt  model digest {digest}", output, StringComparison.Ordinal);
            Assert.Contains("verified", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Rebuild_detects_a_tampered_spooled_update()
    {
        Assert.True(run.Code == 0, run.Error);
        // A copy of the run whose round-1 update of client-0 is replaced by its round-0 update.
        string copy = Path.Combine(run.Root, "tampered");
        CopyDirectory(run.DataDir, copy);
        var show0 = TinySimulation.Run("replay", "show", "--round", "0", "--data-dir", copy).Out;
        var show1 = TinySimulation.Run("replay", "show", "--round", "1", "--data-dir", copy).Out;
        string UpdateOf(string show) => show.Split('\n').First(l => l.Contains("client-0", StringComparison.Ordinal)).Split("accepted update ")[1].Trim();
        string spool = Path.Combine(copy, "spool");
        string target = Directory.GetFiles(spool).Single(f => Path.GetFileName(f).StartsWith(UpdateOf(show1), StringComparison.Ordinal));
        string source = Directory.GetFiles(spool).Single(f => Path.GetFileName(f).StartsWith(UpdateOf(show0), StringComparison.Ordinal));
        File.Copy(source, target, overwrite: true);

        var (code, output, error) = TinySimulation.Run("replay", "rebuild", "--round", "1", "--data-dir", copy);

        Assert.Equal(1, code);
        Assert.DoesNotContain("verified", output, StringComparison.Ordinal);
        Assert.Contains("is corrupt", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corrupt_journal_row_is_reported_by_persistence_id_and_position_by_replay_and_by_a_resumed_simulate()
    {
        Assert.True(run.Code == 0, run.Error);
        string copy = Path.Combine(run.Root, "corrupt-journal");
        CopyDirectory(run.DataDir, copy);
        using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(copy, "journal.db")};Pooling=False"))
        {
            db.Open();
            using var corrupt = db.CreateCommand();
            corrupt.CommandText = "UPDATE journal SET message = x'FFFFFF' WHERE persistence_id = 'round-manager' AND sequence_number = 3";
            Assert.Equal(1, corrupt.ExecuteNonQuery());
        }
        const string expected = "the journal row of 'round-manager' after sequence number 2 cannot be read: 3 bytes are not a valid hfedmoe.rounds.v1.UpdateAccepted";

        var (code, output, error) = TinySimulation.Run("replay", "list", "--data-dir", copy);
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.StartsWith($"hfedmoe replay list: {expected}", error.Trim(), StringComparison.Ordinal);

        // Running it again refuses at once, before a round manager that cannot recover is started,
        // and leaves the rounds as they were.
        string csv = File.ReadAllText(Path.Combine(copy, "rounds.csv"));
        var (resumed, _, resumeError) = TinySimulation.Run(["simulate", .. TinySimulation.TinyArgs, "--data-dir", copy]);
        Assert.Equal(1, resumed);
        Assert.Contains(expected, resumeError, StringComparison.Ordinal);
        Assert.Equal(csv, File.ReadAllText(Path.Combine(copy, "rounds.csv")));
    }

    [Fact]
    public void A_persistence_id_without_events_is_an_error_naming_the_ones_the_journal_holds()
    {
        Assert.True(run.Code == 0, run.Error);

        var (code, _, error) = TinySimulation.Run("replay", "list", "--data-dir", run.DataDir, "--persistence-id", "round-manger");

        Assert.Equal(2, code);
        Assert.Contains("the journal holds no events of 'round-manger'; it holds: round-manager", error, StringComparison.Ordinal);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (string dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(dir.Replace(from, to, StringComparison.Ordinal));
        }
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
        }
    }
}
