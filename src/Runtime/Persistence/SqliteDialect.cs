using System.Data.Common;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace HFedMoE.Runtime.Persistence;

/// <summary>
/// SQLite (Microsoft.Data.Sqlite): WAL mode so readers never block the writer, and
/// <c>synchronous</c> from the options (FULL by default: a commit is on disk when acknowledged;
/// NORMAL with WAL survives process crashes but may lose the last commits on power loss).
/// </summary>
internal sealed class SqliteDialect : SqlDialect, IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly string _synchronous;
    private int _walChecked;
    private (DbConnection Connection, DbCommand Command, DbParameter[] Parameters)? _insert;

    public SqliteDialect(string connectionString, string synchronous)
    {
        _connectionString = connectionString;
        _synchronous = synchronous.ToUpperInvariant();
        var builder = new SqliteConnectionStringBuilder(connectionString);
        var file = builder.DataSource;
        if (builder.Mode != SqliteOpenMode.Memory && !string.IsNullOrEmpty(file) && file != ":memory:" && !file.StartsWith("file:", StringComparison.Ordinal))
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(file));
            if (!string.IsNullOrEmpty(dir))
            {
                Directory.CreateDirectory(dir);
            }
        }
    }

    public override string Name => "sqlite";

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var cmd = connection.CreateCommand();
            // journal_mode is persistent in the file (set once per store instance); synchronous is
            // per connection.
            cmd.CommandText = Interlocked.Exchange(ref _walChecked, 1) == 0
                ? $"PRAGMA journal_mode=WAL; PRAGMA synchronous={_synchronous};"
                : $"PRAGMA synchronous={_synchronous};";
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override async Task CreateSchemaAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = """
            CREATE TABLE IF NOT EXISTS journal (
                ordering INTEGER PRIMARY KEY AUTOINCREMENT,
                deleted INTEGER NOT NULL DEFAULT 0,
                persistence_id TEXT NOT NULL,
                sequence_number INTEGER NOT NULL,
                created INTEGER NOT NULL,
                serializer_id INTEGER NOT NULL,
                manifest TEXT NOT NULL DEFAULT '',
                payload BLOB NOT NULL,
                writer_uuid TEXT NULL,
                tags TEXT NULL);
            CREATE UNIQUE INDEX IF NOT EXISTS journal_persistence_id_sequence_number_uq ON journal (persistence_id, sequence_number);
            CREATE INDEX IF NOT EXISTS journal_created_idx ON journal (created);
            CREATE TABLE IF NOT EXISTS snapshot (
                persistence_id TEXT NOT NULL,
                sequence_number INTEGER NOT NULL,
                created INTEGER NOT NULL,
                snapshot BLOB NOT NULL,
                manifest TEXT NOT NULL DEFAULT '',
                serializer_id INTEGER NOT NULL,
                PRIMARY KEY (persistence_id, sequence_number));
            CREATE INDEX IF NOT EXISTS snapshot_created_idx ON snapshot (created);
            """;
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Replay through the native statement API: Microsoft.Data.Sqlite's per-column getters cost
    /// more than the query itself here, and manifest/writer/tags repeat from row to row, so
    /// their text is decoded once and reused while the bytes stay the same.
    /// </summary>
    public override Task<IReadOnlyList<JournalRow>> ReadRowsAsync(DbConnection connection, string persistenceId, long fromSequenceNr, long toSequenceNr, int limit, CancellationToken cancellationToken)
    {
        const string sql = "SELECT ordering, sequence_number, created, serializer_id, manifest, payload, writer_uuid, tags FROM journal " +
                           "WHERE persistence_id = ?1 AND deleted = FALSE AND sequence_number >= ?2 AND sequence_number <= ?3 ORDER BY sequence_number LIMIT ?4";
        var db = ((SqliteConnection)connection).Handle!;
        var busy = new BusyWait(cancellationToken);
        sqlite3_stmt stmt;
        int rc;
        while ((rc = raw.sqlite3_prepare_v2(db, sql, out stmt)) is raw.SQLITE_BUSY or raw.SQLITE_LOCKED && busy.Wait())
        {
            stmt.Dispose();
        }
        using var statement = stmt;
        Check(db, rc);
        Check(db, raw.sqlite3_bind_text(stmt, 1, persistenceId));
        Check(db, raw.sqlite3_bind_int64(stmt, 2, fromSequenceNr));
        Check(db, raw.sqlite3_bind_int64(stmt, 3, toSequenceNr));
        Check(db, raw.sqlite3_bind_int64(stmt, 4, limit));
        var manifest = new TextCache();
        var writer = new TextCache();
        var tags = new TextCache();
        var rows = new List<JournalRow>(Math.Min(limit, 1024));
        while ((rc = raw.sqlite3_step(stmt)) is raw.SQLITE_ROW or raw.SQLITE_BUSY or raw.SQLITE_LOCKED)
        {
            if (rc != raw.SQLITE_ROW)
            {
                if (!busy.Wait())
                {
                    break;
                }
                continue;
            }
            rows.Add(new JournalRow(
                PersistenceId: persistenceId,
                SequenceNr: raw.sqlite3_column_int64(stmt, 1),
                CreatedTicks: raw.sqlite3_column_int64(stmt, 2),
                SerializerId: raw.sqlite3_column_int(stmt, 3),
                Manifest: manifest.Get(stmt, 4) ?? string.Empty,
                Payload: raw.sqlite3_column_blob(stmt, 5).ToArray(),
                WriterUuid: writer.Get(stmt, 6) ?? string.Empty,
                Tags: tags.Get(stmt, 7),
                Ordering: raw.sqlite3_column_int64(stmt, 0)));
        }
        if (rc != raw.SQLITE_DONE)
        {
            Check(db, rc);
        }
        return Task.FromResult<IReadOnlyList<JournalRow>>(rows);
    }

    /// <summary>
    /// WAL readers are rarely busy (only while another connection recovers the WAL); wait it
    /// out for up to 30 s like Microsoft.Data.Sqlite's command timeout does.
    /// </summary>
    private struct BusyWait(CancellationToken cancellationToken)
    {
        private long _deadline;

        /// <summary>Sleeps briefly and returns true, or returns false once the time is up.</summary>
        public bool Wait()
        {
            if (_deadline == 0)
            {
                _deadline = Environment.TickCount64 + 30_000;
            }
            cancellationToken.ThrowIfCancellationRequested();
            if (Environment.TickCount64 > _deadline)
            {
                return false;
            }
            Thread.Sleep(1);
            return true;
        }
    }

    private static void Check(sqlite3 db, int rc)
    {
        if (rc is not (raw.SQLITE_OK or raw.SQLITE_ROW or raw.SQLITE_DONE))
        {
            throw new SqliteException($"SQLite Error {rc}: {raw.sqlite3_errmsg(db).utf8_to_string()}", rc);
        }
    }

    /// <summary>Reuses the last decoded string while a column's bytes repeat.</summary>
    private sealed class TextCache
    {
        private byte[] _bytes = [];
        private string? _value;

        public string? Get(sqlite3_stmt stmt, int column)
        {
            if (raw.sqlite3_column_type(stmt, column) == raw.SQLITE_NULL)
            {
                return null;
            }
            var span = raw.sqlite3_column_blob(stmt, column);
            if (_value is null || !span.SequenceEqual(_bytes))
            {
                _bytes = span.ToArray();
                _value = Encoding.UTF8.GetString(span);
            }
            return _value;
        }
    }

    /// <summary>Reuses one prepared insert per writer connection (only the journal's single writer calls this).</summary>
    public override async Task InsertRowsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<JournalRow> rows)
    {
        if (_insert is not { } insert || !ReferenceEquals(insert.Connection, connection))
        {
            if (_insert is { } old)
            {
                await old.Command.DisposeAsync().ConfigureAwait(false);
            }
            var cmd = connection.CreateCommand();
            cmd.CommandText = SqlJournalStatements.Insert;
            insert = (connection, cmd, SqlJournalStatements.AddInsertParameters(cmd));
            cmd.Prepare();
            _insert = insert;
        }
        insert.Command.Transaction = transaction;
        foreach (var row in rows)
        {
            SqlJournalStatements.Bind(insert.Parameters, row);
            await insert.Command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Closes the pooled connections of this database. Pooled connections keep their file open:
    /// without this, a store opened later on a new file at the same path (a run folder deleted
    /// and started again in one process) would be handed a connection to the deleted file.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_insert is { } insert)
        {
            await insert.Command.DisposeAsync().ConfigureAwait(false);
            _insert = null;
        }
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    public override bool IsUniqueViolation(Exception e) =>
        e is SqliteException { SqliteErrorCode: 19 /* SQLITE_CONSTRAINT */ } s
        && s.SqliteExtendedErrorCode is 2067 /* UNIQUE */ or 1555 /* PRIMARYKEY */;
}
