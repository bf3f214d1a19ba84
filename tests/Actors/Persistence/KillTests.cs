using System.Globalization;

namespace HFedMoE.Actors.Tests.Persistence;

/// <summary>
/// Durable acknowledgements under HFedMoE's journal configuration: a persistent actor in a child
/// process (tests/PersistenceKillTarget) is killed with SIGKILL while it persists, and a new
/// process recovers at least every event whose Persist handler had run, with the state they add
/// up to — on the SQLite default, and on PostgreSQL.
/// </summary>
public sealed class KillTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hfedmoe-kill-" + Guid.NewGuid().ToString("N"));

    public KillTests() => Directory.CreateDirectory(_dir);

    [Fact]
    public Task A_persistent_actor_on_the_sqlite_journal_recovers_every_acknowledged_event_after_kill_9() => KillAndRecover();

    [PostgresFact]
    public async Task A_persistent_actor_on_the_postgresql_journal_recovers_every_acknowledged_event_after_kill_9()
    {
        var (schema, connection) = PostgresServer.CreateSchema();
        try
        {
            string file = Path.Combine(_dir, "postgres.conf");
            await File.WriteAllTextAsync(file, PostgresServer.Hocon(connection));
            await KillAndRecover(file);
        }
        finally
        {
            PostgresServer.DropSchema(schema);
        }
    }

    private async Task KillAndRecover(params string[] config)
    {
        long lastAcked;
        using (var first = KillTargetProcess.Start([_dir, "counter-1", .. config]))
        {
            Assert.Equal("RECOVERED 0 0", await first.ReadLineAsync(TimeSpan.FromSeconds(60)));
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

        using var second = KillTargetProcess.Start([_dir, "counter-1", .. config]);
        var recovered = (await second.ReadLineAsync(TimeSpan.FromSeconds(60))).Split(' ');
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
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
