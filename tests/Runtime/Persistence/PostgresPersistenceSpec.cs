using HFedMoE.Runtime.Persistence;
using Npgsql;

namespace HFedMoE.Runtime.Tests.Persistence;

/// <summary>
/// The spec on a real PostgreSQL server (<c>HFEDMOE_PG_CONNECTION</c>; `.ci/postgres.sh` starts
/// one). Each test gets its own schema, dropped afterwards.
/// </summary>
[RequiresPostgres]
public sealed class PostgresPersistenceSpec : PersistenceSpec
{
    private readonly string _schema = "spec_" + Guid.NewGuid().ToString("N");

    private static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(RequiresPostgresAttribute.EnvironmentVariable) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException($"{RequiresPostgresAttribute.EnvironmentVariable} is not set but CI=true: the PostgreSQL suite must run in CI (source .ci/postgres.sh first)");

    private string ConnectionString => new NpgsqlConnectionStringBuilder(ServerConnectionString) { SearchPath = _schema }.ConnectionString;

    protected override IJournal OpenJournal() => SqlJournal.Postgres(ConnectionString, Serializers);

    protected override ISnapshotStore OpenSnapshotStore() => SqlSnapshotStore.Postgres(ConnectionString, Serializers);

    protected override Task CreateStoreAsync() => Execute(ServerConnectionString, $"CREATE SCHEMA {_schema}");

    protected override Task DropStoreAsync() => Execute(ServerConnectionString, $"DROP SCHEMA IF EXISTS {_schema} CASCADE");

    protected override async Task CorruptEventAsync(string persistenceId, long sequenceNr, string manifest, byte[] payload)
    {
        await using var c = new NpgsqlConnection(ConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("UPDATE journal SET manifest = $1, payload = $2 WHERE persistence_id = $3 AND sequence_number = $4", c);
        cmd.Parameters.Add(new NpgsqlParameter { Value = manifest });
        cmd.Parameters.Add(new NpgsqlParameter { Value = payload });
        cmd.Parameters.Add(new NpgsqlParameter { Value = persistenceId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = sequenceNr });
        Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
    }

    private static async Task Execute(string connectionString, string sql)
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }
}
