using Xunit.Abstractions;
using HFedMoE.Host.Simulation;
using HFedMoE.Model.Checkpoints;
using Akka.Configuration;
using HFedMoE.Actors.Configuration;

namespace HFedMoE.Host.Tests.Simulation;

/// <summary>
/// The crash the resume exists for: the real <c>hfedmoe simulate</c> is kill -9'd in the middle
/// of a round, started again with the same arguments, and must end with the model an
/// uninterrupted run ends with, every round's digest included.
/// </summary>
[Trait("Category", "Process")]
public sealed class SimulateKillTests(ITestOutputHelper output) : IDisposable
{
    private const int Rounds = 4;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);

    private static readonly string[] Args =
    [
        "simulate", "--rounds", "4", "--clients", "4", "--samples-per-client", "24", "--pretrain-steps", "5", "--public-size", "64",
        "--d-model", "16", "--experts", "4", "--hidden", "16", "--local-steps", "16", "--progress", "plain",
    ];

    private readonly string _root = Path.Combine(Path.GetTempPath(), "hfedmoe-kill-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Killed_mid_round_and_started_again_it_ends_with_the_uninterrupted_runs_model()
    {
        string reference = Path.Combine(_root, "uninterrupted");
        var (code, _, error) = TinySimulation.Run([.. Args, "--data-dir", reference]);
        Assert.True(code == 0, error);

        var (dir, open) = await KillMidRound();
        Assert.True(open.Round >= 1, $"killed in round {open.Round}: expected after a committed round");

        using (var again = HfedmoeProcess.Start([.. Args, "--data-dir", dir]))
        {
            int exit = await again.WaitForExitAsync(Patience);
            Assert.True(exit == 0, again.Stderr);
            Assert.Contains($"round {open.Round} was open", again.Stdout, StringComparison.Ordinal);
            Assert.Contains($"resumed: {open.Round} rounds were already done", again.Stdout, StringComparison.Ordinal);
        }

        // Every round, not only the last: the resumed round is bit-identical, and so is what follows.
        string[] expected = Digests(reference), actual = Digests(dir);
        Assert.Equal(Rounds, actual.Length);
        Assert.Equal(expected, actual);
        Assert.Equal(Enumerable.Range(0, Rounds).Select(r => r.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            File.ReadAllLines(Path.Combine(dir, "rounds.csv")).Skip(1).Select(l => l.Split(',')[0]));
        var metadata = SafeTensorsReader.Read(Path.Combine(dir, GlobalCheckpoint.FileName)).Metadata;
        Assert.Equal((Rounds - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), metadata["round"]);
        Assert.Equal(expected[^1], metadata["model_digest"]);

        var (listCode, list, listError) = TinySimulation.Run("replay", "list", "--data-dir", dir);
        Assert.True(listCode == 0, listError);
        Assert.Contains($"{Rounds} rounds, {Rounds} committed", list, StringComparison.Ordinal);
        var (rebuildCode, rebuild, rebuildError) = TinySimulation.Run("replay", "rebuild", "--round", open.Round.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", dir);
        Assert.True(rebuildCode == 0, rebuildError + rebuild);
        Assert.Contains("verified: the re-merged model is bit-identical", rebuild, StringComparison.Ordinal);
        Assert.Contains(actual[open.Round], rebuild, StringComparison.Ordinal);
    }

    /// <summary>
    /// Starts hfedmoe and kills it when the spool completes its first blob after round 0 was
    /// reported: an update of round 1, before the round can commit. A kill that lands between
    /// rounds after all (the journal has no open round) is retried in a new folder.
    /// </summary>
    private async Task<(string Dir, RoundRecord Open)> KillMidRound()
    {
        var attempts = new List<string>();
        for (int attempt = 0; attempt < 3; attempt++)
        {
            string dir = Path.Combine(_root, $"killed-{attempt}");
            string spool = Path.Combine(dir, "spool");
            Directory.CreateDirectory(spool);
            using var watcher = new FileSystemWatcher(spool);
            using (var child = HfedmoeProcess.Start([.. Args, "--data-dir", dir]))
            {
                var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                // The first blob the spool completes after round 0 (renamed into place: an update
                // of round 1) kills the child: a round's updates all come before its commit.
                int fired = 0;
                void OnSpoolWrite()
                {
                    if (Interlocked.Exchange(ref fired, 1) == 0)
                    {
                        child.Kill();
                        killed.TrySetResult();
                    }
                }
                watcher.Renamed += (_, _) => OnSpoolWrite();
                // Armed only once round 0 is reported: the blobs before are round 0's.
                await child.WaitForLineAsync(l => l.StartsWith("round 0 (", StringComparison.Ordinal), Patience);
                watcher.EnableRaisingEvents = true;
                if (await Task.WhenAny(killed.Task, Task.Delay(Patience)) != killed.Task)
                {
                    throw new TimeoutException($"no spool write within {Patience} after round 0; stdout:\n{child.Stdout}\nstderr:\n{child.Stderr}");
                }
            }
            watcher.EnableRaisingEvents = false;
            var history = RoundHistory.Read(dir, HfedmoeConfig.Reference);
            if (history.Count > 0 && history[^1].Outcome == "open")
            {
                var open = history[^1];
                output.WriteLine($"attempt {attempt + 1}: killed in round {open.Round} with {open.Accepted.Count} of {open.Participants.Count} updates journaled");
                return (dir, open);
            }
            attempts.Add(string.Join(", ", history.Select(r => $"{r.Round}:{r.Outcome}")));
        }
        throw new InvalidOperationException($"three kills all landed between rounds (journals: {string.Join(" | ", attempts)})");
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
