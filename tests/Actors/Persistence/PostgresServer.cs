using Npgsql;

namespace HFedMoE.Actors.Tests.Persistence;

/// <summary>
/// The PostgreSQL server of the tests that need one (<c>HFEDMOE_PG_CONNECTION</c>; <c>source
/// .ci/postgres.sh</c> starts a local one). Each user gets a schema of its own, dropped afterwards.
/// Outside CI a missing server skips those tests with the reason; under CI=true they run and
/// fail, so CI can never pass without having run them.
/// </summary>
internal static class PostgresServer
{
    public const string EnvironmentVariable = "HFEDMOE_PG_CONNECTION";

    /// <summary>Why PostgreSQL tests are skipped here, or null when they must run.</summary>
    public static string? SkipReason() =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(EnvironmentVariable)) || Environment.GetEnvironmentVariable("CI") == "true"
            ? null
            : $"{EnvironmentVariable} is not set (run `source .ci/postgres.sh` to start a local server); skipped outside CI";

    private static string Server => Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } cs
        ? cs
        : throw new InvalidOperationException($"{EnvironmentVariable} is not set but CI=true: the PostgreSQL tests must run in CI (source .ci/postgres.sh first)");

    /// <summary>A new schema and a connection string whose search path is it.</summary>
    public static (string Schema, string ConnectionString) CreateSchema()
    {
        string schema = "hfedmoe_" + Guid.NewGuid().ToString("N");
        Execute($"CREATE SCHEMA {schema}");
        return (schema, new NpgsqlConnectionStringBuilder(Server) { SearchPath = schema }.ConnectionString);
    }

    public static void DropSchema(string schema) => Execute($"DROP SCHEMA IF EXISTS {schema} CASCADE");

    /// <summary>HOCON that puts the journal, the snapshot store and the read journal on <paramref name="connectionString"/>.</summary>
    public static string Hocon(string connectionString)
    {
        string quoted = System.Text.Json.JsonSerializer.Serialize(connectionString);
        return $$"""
            akka.persistence.journal.sql { provider-name = "PostgreSQL.15", connection-string = {{quoted}} }
            akka.persistence.snapshot-store.sql { provider-name = "PostgreSQL.15", connection-string = {{quoted}} }
            akka.persistence.query.journal.sql { provider-name = "PostgreSQL.15", connection-string = {{quoted}} }
            """;
    }

    private static void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(Server);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}

/// <summary>A fact that needs the PostgreSQL server: skipped with the reason outside CI when there is none.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute() => Skip = PostgresServer.SkipReason();
}
