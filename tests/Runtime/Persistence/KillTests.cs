using System.Globalization;
using System.Text;
using HFedMoE.Runtime.Persistence;
using HFedMoE.Runtime.Serialization;
using Microsoft.Data.Sqlite;

namespace HFedMoE.Runtime.Tests.Persistence;

/// <summary>
/// kill -9 in the middle of writing: every acknowledged event survives, and no AtomicWrite is
/// half stored. The writer is a child process (tests/PersistenceKillTarget).
/// </summary>
public sealed class KillTests : IDisposable
{
    private const int Writers = 4;
    private const int BatchSize = 25;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hfedmoe-kill-" + Guid.NewGuid().ToString("N"));

    public KillTests()
    {
        Directory.CreateDirectory(_dir);
    }

    [Fact]
    public async Task Kill_during_batches_loses_no_acknowledged_event_and_leaves_no_partial_batch()
    {
        var db = Path.Combine(_dir, "journal.db");
        var acked = new Dictionary<string, long>();
        using (var child = KillTargetProcess.Start("journal", db, Writers.ToString(CultureInfo.InvariantCulture), BatchSize.ToString(CultureInfo.InvariantCulture)))
        {
            // Kill while the writers are busy: after 60 acknowledged batches, with more in flight.
            for (var i = 0; i < 60; i++)
            {
                var parts = (await child.ReadLineAsync(TimeSpan.FromSeconds(30))).Split(' ');
                Assert.Equal("ACK", parts[0]);
                acked[parts[1]] = long.Parse(parts[2], CultureInfo.InvariantCulture);
            }
            child.Kill();
        }

        SqliteConnection.ClearAllPools();
        await using var journal = SqlJournal.Sqlite($"Data Source={db}", SerializerRegistry.CreateDefault());
        Assert.NotEmpty(acked);
        for (var w = 0; w < Writers; w++)
        {
            var pid = $"kill-{w}";
            var highest = await journal.ReadHighestSequenceNrAsync(pid);
            Assert.True(highest >= acked.GetValueOrDefault(pid), $"{pid}: acknowledged up to {acked.GetValueOrDefault(pid)} but only {highest} stored");
            Assert.True(highest % BatchSize == 0, $"{pid}: highest stored sequence number {highest} is inside a batch of {BatchSize}: partial AtomicWrite");
            var expected = 1L;
            await journal.ReplayAsync(pid, 1, long.MaxValue, long.MaxValue, r =>
            {
                Assert.Equal(expected, r.SequenceNr);
                Assert.Equal(PayloadFor(pid, expected), (byte[])r.Payload);
                expected++;
            });
            Assert.Equal(highest + 1, expected);
        }
    }

    [Fact]
    public async Task A_persistent_actor_recovers_its_state_after_its_process_is_killed()
    {
        var db = Path.Combine(_dir, "actor.db");
        long lastAcked;
        using (var first = KillTargetProcess.Start("actor", db, "counter-1"))
        {
            Assert.Equal("RECOVERED 0 0", await first.ReadLineAsync(TimeSpan.FromSeconds(30)));
            lastAcked = 0;
            // Past a snapshot (every 20 events), so the restart recovers snapshot + events.
            for (var i = 1; i <= 45; i++)
            {
                var parts = (await first.ReadLineAsync(TimeSpan.FromSeconds(30))).Split(' ');
                Assert.Equal(["ACK", i.ToString(CultureInfo.InvariantCulture), Triangle(i).ToString(CultureInfo.InvariantCulture)], parts);
                lastAcked = i;
            }
            first.Kill();
        }

        using var second = KillTargetProcess.Start("actor", db, "counter-1");
        var recovered = (await second.ReadLineAsync(TimeSpan.FromSeconds(30))).Split(' ');
        Assert.Equal("RECOVERED", recovered[0]);
        var seq = long.Parse(recovered[2], CultureInfo.InvariantCulture);
        Assert.True(seq >= lastAcked, $"recovered up to {seq}, but {lastAcked} was acknowledged");
        Assert.Equal(Triangle(seq), long.Parse(recovered[1], CultureInfo.InvariantCulture));
        // And it carries on from there.
        Assert.Equal($"ACK {seq + 1} {Triangle(seq + 1)}", await second.ReadLineAsync(TimeSpan.FromSeconds(30)));
        second.Kill();
    }

    private static long Triangle(long n) => n * (n + 1) / 2;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    // Mirrors PersistenceKillTarget.JournalWriter.PayloadFor.
    private static byte[] PayloadFor(string pid, long seq)
    {
        var stamp = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{pid}:{seq}:"));
        var bytes = new byte[1024];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = stamp[i % stamp.Length];
        }
        return bytes;
    }
}
