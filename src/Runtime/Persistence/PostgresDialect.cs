using System.Data.Common;
using Npgsql;

namespace HFedMoE.Runtime.Persistence;

/// <summary>
/// PostgreSQL (Npgsql): identity ordering, bytea payloads, and multi-row writes sent as one
/// pipelined <see cref="NpgsqlBatch"/> (one round trip per transaction).
/// </summary>
internal sealed class PostgresDialect : SqlDialect, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresDialect(string connectionString)
    {
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    public override string Name => "postgresql";

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    public override async Task CreateSchemaAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        // The advisory lock serializes concurrent initializers: CREATE ... IF NOT EXISTS alone
        // can still race on the catalog.
        cmd.CommandText = """
            SELECT pg_advisory_xact_lock(7431001);
            CREATE TABLE IF NOT EXISTS journal (
                ordering BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                deleted BOOLEAN NOT NULL DEFAULT FALSE,
                persistence_id VARCHAR(255) NOT NULL,
                sequence_number BIGINT NOT NULL,
                created BIGINT NOT NULL,
                serializer_id INTEGER NOT NULL,
                manifest VARCHAR(500) NOT NULL DEFAULT '',
                payload BYTEA NOT NULL,
                writer_uuid VARCHAR(128) NULL,
                tags VARCHAR(1000) NULL,
                CONSTRAINT journal_persistence_id_sequence_number_uq UNIQUE (persistence_id, sequence_number));
            CREATE INDEX IF NOT EXISTS journal_created_idx ON journal (created);
            CREATE TABLE IF NOT EXISTS snapshot (
                persistence_id VARCHAR(255) NOT NULL,
                sequence_number BIGINT NOT NULL,
                created BIGINT NOT NULL,
                snapshot BYTEA NOT NULL,
                manifest VARCHAR(500) NOT NULL DEFAULT '',
                serializer_id INTEGER NOT NULL,
                PRIMARY KEY (persistence_id, sequence_number));
            CREATE INDEX IF NOT EXISTS snapshot_created_idx ON snapshot (created);
            """;
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public override bool IsUniqueViolation(Exception e) =>
        e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public override async Task InsertRowsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<JournalRow> rows)
    {
        await using var batch = ((NpgsqlConnection)connection).CreateBatch();
        batch.Transaction = (NpgsqlTransaction)transaction;
        foreach (var row in rows)
        {
            var cmd = batch.CreateBatchCommand();
            cmd.CommandText = "INSERT INTO journal (persistence_id, sequence_number, created, serializer_id, manifest, payload, writer_uuid, tags, deleted) " +
                              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, FALSE)";
            cmd.Parameters.Add(new NpgsqlParameter { Value = row.PersistenceId });
            cmd.Parameters.Add(new NpgsqlParameter { Value = row.SequenceNr });
            cmd.Parameters.Add(new NpgsqlParameter { Value = row.CreatedTicks });
            cmd.Parameters.Add(new NpgsqlParameter { Value = row.SerializerId });
            cmd.Parameters.Add(new NpgsqlParameter { Value = row.Manifest });
            cmd.Parameters.Add(new NpgsqlParameter { Value = row.Payload });
            cmd.Parameters.Add(new NpgsqlParameter { Value = row.WriterUuid });
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)row.Tags ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Varchar });
            batch.BatchCommands.Add(cmd);
        }
        await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
