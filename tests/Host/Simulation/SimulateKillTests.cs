using HFedMoE.Actors.Configuration;
using HFedMoE.Actors.Tests.Persistence;
using HFedMoE.Host.Simulation;
using HFedMoE.Model.Checkpoints;
using Xunit.Abstractions;

namespace HFedMoE.Host.Tests.Simulation;

/// <summary>
/// The crash the resume exists for: the real <c>hfedmoe simulate</c> is kill -9'd in the middle
/// of a round, started again with the same arguments, killed again in a later round, started
/// again, and must end with the model an uninterrupted run ends with, every round's digest
/// included — with the journal on Akka.Persistence.Sql over SQLite (the default) and over PostgreSQL.
/// </summary>
[Trait("Category", "Process")]
public sealed class SimulateKillTests(ITestOutputHelper output) : IDisposable
{
    private const int Rounds = 5;
    // An upper bound only (every wait ends on a printed line or a spool write): generous, since a
    // round on a machine loaded by other test processes can take tens of seconds.
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    private static readonly string[] Args =
    [
        "simulate", "--rounds", "5", "--clients", "4", "--samples-per-client", "24", "--pretrain-steps", "5", "--public-size", "64",
        "--d-model", "16", "--experts", "4", "--hidden", "16", "--local-steps", "16", "--progress", "plain",
    ];

    private readonly string _root = Path.Combine(Path.GetTempPath(), "hfedmoe-kill-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public Task Killed_twice_mid_round_on_sqlite_and_started_again_it_ends_with_the_uninterrupted_runs_model() => KilledTwice([]);

    [PostgresFact]
    public async Task Killed_twice_mid_round_on_postgresql_and_started_again_it_ends_with_the_uninterrupted_runs_model()
    {
        var (schema, connection) = PostgresServer.CreateSchema();
        try
        {
            Directory.CreateDirectory(_root);
            string file = Path.Combine(_root, "postgres.conf");
            await File.WriteAllTextAsync(file, PostgresServer.Hocon(connection));
            await KilledTwice(["--config", file]);
        }
        finally
        {
            PostgresServer.DropSchema(schema);
        }
    }

    private async Task KilledTwice(string[] config)
    {
        // The uninterrupted reference keeps its journal in its own folder, always on SQLite.
        string reference = Path.Combine(_root, "uninterrupted");
        var (code, _, error) = TinySimulation.Run([.. Args, "--data-dir", reference]);
        Assert.True(code == 0, error);

        var (dir, first) = await KillMidRound(config);
        Assert.True(first.Round >= 1, $"killed in round {first.Round}: expected after a committed round");
        // Later in the round this time (the third blob), so that updates are journaled when it dies.
        var second = await KillInRoundAfter(config, dir, first.Round + 1, blobs: 3);

        using (var again = HfedmoeProcess.Start([.. Args, .. config, "--data-dir", dir]))
        {
            int exit = await again.WaitForExitAsync(Patience);
            Assert.True(exit == 0, again.Stderr);
            if (second is { Outcome: "open" } open)
            {
                Assert.Contains($"round {open.Round} was open", again.Stdout, StringComparison.Ordinal);
            }
        }

        // Every round, not only the last: the resumed rounds are bit-identical, and so is what follows.
        string[] expected = Digests(reference), actual = Digests(dir);
        Assert.Equal(Rounds, actual.Length);
        Assert.Equal(expected, actual);
        Assert.Equal(Enumerable.Range(0, Rounds).Select(r => r.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            File.ReadAllLines(Path.Combine(dir, "rounds.csv")).Skip(1).Select(l => l.Split(',')[0]));
        var metadata = SafeTensorsReader.Read(Path.Combine(dir, GlobalCheckpoint.FileName)).Metadata;
        Assert.Equal((Rounds - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), metadata["round"]);
        Assert.Equal(expected[^1], metadata["model_digest"]);

        var (listCode, list, listError) = TinySimulation.Run(["replay", "list", .. config, "--data-dir", dir]);
        Assert.True(listCode == 0, listError);
        Assert.Contains($"{Rounds} rounds, {Rounds} committed", list, StringComparison.Ordinal);
        var (rebuildCode, rebuild, rebuildError) = TinySimulation.Run(["replay", "rebuild", "--round", first.Round.ToString(System.Globalization.CultureInfo.InvariantCulture), .. config, "--data-dir", dir]);
        Assert.True(rebuildCode == 0, rebuildError + rebuild);
        Assert.Contains("verified: the re-merged model is bit-identical", rebuild, StringComparison.Ordinal);
        Assert.Contains(actual[first.Round], rebuild, StringComparison.Ordinal);
    }

    /// <summary>
    /// Starts hfedmoe in a new folder and kills it mid-round after round 0 (see
    /// <see cref="KillInRoundAfter"/>). A kill that lands between rounds after all is retried in
    /// a new folder.
    /// </summary>
    private async Task<(string Dir, RoundRecord Open)> KillMidRound(string[] config)
    {
        var attempts = new List<string>();
        for (int attempt = 0; attempt < 3; attempt++)
        {
            string dir = Path.Combine(_root, $"killed-{attempt}");
            if (await KillInRoundAfter(config, dir, 0) is { Outcome: "open" } open)
            {
                return (dir, open);
            }
            attempts.Add(dir);
        }
        throw new InvalidOperationException($"three kills all landed between rounds ({string.Join(", ", attempts)})");
    }

    /// <summary>
    /// Runs hfedmoe in <paramref name="dir"/> (resuming what it holds) and kills it with SIGKILL when
    /// the spool completes its <paramref name="blobs"/>-th blob after round <paramref name="afterRound"/>
    /// was reported: an update of the next round, before that round can commit (a round's updates
    /// all come before its model). Returns the journal's last round then.
    /// </summary>
    private async Task<RoundRecord?> KillInRoundAfter(string[] config, string dir, int afterRound, int blobs = 1)
    {
        string spool = Path.Combine(dir, "spool");
        Directory.CreateDirectory(spool);
        using (var watcher = new FileSystemWatcher(spool))
        using (var child = HfedmoeProcess.Start([.. Args, .. config, "--data-dir", dir]))
        {
            var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            int fired = 0;
            void OnSpoolWrite()
            {
                if (Interlocked.Increment(ref fired) == blobs)
                {
                    child.Kill();
                    killed.TrySetResult();
                }
            }
            watcher.Renamed += (_, _) => OnSpoolWrite();
            // Armed only once the round is reported: the blobs before are its own.
            await child.WaitForLineAsync(l => l.StartsWith($"round {afterRound} (", StringComparison.Ordinal), Patience);
            watcher.EnableRaisingEvents = true;
            if (await Task.WhenAny(killed.Task, Task.Delay(Patience)) != killed.Task)
            {
                throw new TimeoutException($"no spool write within {Patience} after round {afterRound}; stdout:\n{child.Stdout}\nstderr:\n{child.Stderr}");
            }
            watcher.EnableRaisingEvents = false;
        }
        var history = RoundHistory.Read(dir, HfedmoeConfig.Load(config.Length > 0 ? config[1] : null));
        var last = history.Count > 0 ? history[^1] : null;
        output.WriteLine(last is { Outcome: "open" }
            ? $"killed in round {last.Round} with {last.Accepted.Count} of {last.Participants.Count} updates journaled"
            : $"killed between rounds ({history.Count} rounds journaled)");
        return last;
    }

    private static string[] Digests(string dir) =>
        [.. File.ReadAllLines(Path.Combine(dir, "rounds.csv")).Skip(1).Select(l => l.Split(',')[7])];

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
