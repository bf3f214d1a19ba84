using System.Data;
using System.Data.Common;
using HFedMoE.Runtime.Serialization;

namespace HFedMoE.Runtime.Persistence;

/// <summary>
/// Journal in a SQL database (SQLite or PostgreSQL), in the Akka.Persistence.Sql "default"
/// table layout: <c>journal(ordering, deleted, persistence_id, sequence_number, created,
/// serializer_id, manifest, payload, writer_uuid, tags)</c> with UNIQUE(persistence_id,
/// sequence_number) — the guard that lets only one of two writers of an id succeed.
/// </summary>
public sealed class SqlJournal : BatchingJournal
{
    private readonly SqlDialect _dialect;

    // Owned by the single writer loop: kept open across transactions (prepared insert, no
    // pool round trip per batch); dropped after a failure.
    private DbConnection? _writer;

    private SqlJournal(SqlDialect dialect, SerializerRegistry serializers, JournalOptions options)
        : base(serializers, options)
    {
        _dialect = dialect;
    }

    /// <summary>A journal in a SQLite database, e.g. <c>Data Source=data/journal.db</c> (the directory is created).</summary>
    public static SqlJournal Sqlite(string connectionString, SerializerRegistry serializers, JournalOptions? options = null)
    {
        options ??= new JournalOptions();
        options.Validate();
        return new SqlJournal(new SqliteDialect(connectionString, options.SqliteSynchronous), serializers, options);
    }

    /// <summary>A journal in PostgreSQL (Npgsql connection string).</summary>
    public static SqlJournal Postgres(string connectionString, SerializerRegistry serializers, JournalOptions? options = null) =>
        new(new PostgresDialect(connectionString), serializers, options ?? new JournalOptions());

    private protected override async Task InitializeStoreAsync()
    {
        if (!Options.AutoInitialize)
        {
            return;
        }
        await using var c = await _dialect.OpenAsync(CancellationToken.None).ConfigureAwait(false);
        await _dialect.CreateSchemaAsync(c, CancellationToken.None).ConfigureAwait(false);
    }

    private protected override async Task WriteRowsAsync(IReadOnlyList<JournalRow> rows)
    {
        _writer ??= await _dialect.OpenAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await using var tx = await _writer.BeginTransactionAsync().ConfigureAwait(false);
            await _dialect.InsertRowsAsync(_writer, tx, rows).ConfigureAwait(false);
            await tx.CommitAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (!_dialect.IsUniqueViolation(e))
        {
            // Unknown state (e.g. a broken connection): start the next batch on a fresh one.
            var broken = _writer;
            _writer = null;
            await broken.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private protected override async Task<IReadOnlyList<JournalRow>> ReadRowsAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, int limit, CancellationToken cancellationToken)
    {
        await using var c = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await _dialect.ReadRowsAsync(c, persistenceId, fromSequenceNr, toSequenceNr, limit, cancellationToken).ConfigureAwait(false);
    }

    private protected override async Task<long> ReadHighestRowAsync(string persistenceId, CancellationToken cancellationToken)
    {
        await using var c = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = SqlJournalStatements.SelectHighest;
        SqlJournalStatements.Add(cmd, "@pid", DbType.String, persistenceId);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    private protected override async Task DeleteRowsToAsync(string persistenceId, long toSequenceNr)
    {
        await using var c = await _dialect.OpenAsync(CancellationToken.None).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync().ConfigureAwait(false);
        await Execute(c, tx, SqlJournalStatements.MarkDeleted, ("@pid", DbType.String, persistenceId), ("@to", DbType.Int64, toSequenceNr), ("@empty", DbType.Binary, Array.Empty<byte>())).ConfigureAwait(false);
        await Execute(c, tx, SqlJournalStatements.RemoveDeletedBelowMark, ("@pid", DbType.String, persistenceId)).ConfigureAwait(false);
        await tx.CommitAsync().ConfigureAwait(false);
    }

    private protected override async Task<IReadOnlyList<string>> ReadPersistenceIdsAsync(CancellationToken cancellationToken)
    {
        await using var c = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = SqlJournalStatements.SelectPersistenceIds;
        var ids = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(r.GetString(0));
        }
        // Ordinal order whatever the database collation is.
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    private protected override bool IsSequenceConflict(Exception e) => _dialect.IsUniqueViolation(e);

    private protected override async ValueTask DisposeStoreAsync()
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync().ConfigureAwait(false);
            _writer = null;
        }
        if (_dialect is IAsyncDisposable d)
        {
            await d.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal static async Task Execute(DbConnection c, DbTransaction? tx, string sql, params (string Name, DbType Type, object Value)[] parameters)
    {
        await using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, type, value) in parameters)
        {
            SqlJournalStatements.Add(cmd, name, type, value);
        }
        await cmd.ExecuteNonQueryAsync().ConfigureAwait(false);
    }
}
