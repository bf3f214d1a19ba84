using HFedMoE.Runtime.Persistence;
using Microsoft.Data.Sqlite;

namespace HFedMoE.Runtime.Tests.Persistence;

/// <summary>The spec on a SQLite file (WAL) in a fresh temp directory per test.</summary>
public sealed class SqlitePersistenceSpec : PersistenceSpec
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hfedmoe-sqlite-spec-" + Guid.NewGuid().ToString("N"));

    private string ConnectionString => $"Data Source={Path.Combine(_dir, "journal.db")}";

    protected override IJournal OpenJournal() => SqlJournal.Sqlite(ConnectionString, Serializers);

    protected override ISnapshotStore OpenSnapshotStore() => SqlSnapshotStore.Sqlite(ConnectionString, Serializers);

    protected override async Task CorruptEventAsync(string persistenceId, long sequenceNr, string manifest, byte[] payload)
    {
        await using var c = new SqliteConnection(ConnectionString);
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "UPDATE journal SET manifest = $m, payload = $p WHERE persistence_id = $pid AND sequence_number = $seq";
        cmd.Parameters.AddWithValue("$m", manifest);
        cmd.Parameters.AddWithValue("$p", payload);
        cmd.Parameters.AddWithValue("$pid", persistenceId);
        cmd.Parameters.AddWithValue("$seq", sequenceNr);
        Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
    }

    protected override Task DropStoreAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }
}
