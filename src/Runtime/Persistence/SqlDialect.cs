using System.Data.Common;

namespace HFedMoE.Runtime.Persistence;

/// <summary>
/// What differs between the SQL stores: connections, DDL, duplicate-key detection and the
/// fastest way to insert many rows. The DML itself is shared (both speak ON CONFLICT, LIMIT,
/// TRUE/FALSE and @named parameters).
/// </summary>
internal abstract class SqlDialect
{
    public abstract string Name { get; }

    /// <summary>Opens a connection ready for use (session settings applied).</summary>
    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Creates the journal and snapshot tables and indexes if missing (idempotent).</summary>
    public abstract Task CreateSchemaAsync(DbConnection connection, CancellationToken cancellationToken);

    public abstract bool IsUniqueViolation(Exception e);

    /// <summary>Up to <paramref name="limit"/> non-deleted rows of the id with from ≤ seq ≤ to, ascending.</summary>
    public virtual async Task<IReadOnlyList<JournalRow>> ReadRowsAsync(DbConnection connection, string persistenceId, long fromSequenceNr, long toSequenceNr, int limit, CancellationToken cancellationToken)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = SqlJournalStatements.SelectRange;
        SqlJournalStatements.Add(cmd, "@pid", System.Data.DbType.String, persistenceId);
        SqlJournalStatements.Add(cmd, "@from", System.Data.DbType.Int64, fromSequenceNr);
        SqlJournalStatements.Add(cmd, "@to", System.Data.DbType.Int64, toSequenceNr);
        SqlJournalStatements.Add(cmd, "@limit", System.Data.DbType.Int64, (long)limit);
        var rows = new List<JournalRow>(Math.Min(limit, 1024));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(SqlJournalStatements.ReadRow(r));
        }
        return rows;
    }

    /// <summary>Inserts rows inside <paramref name="transaction"/>.</summary>
    public virtual async Task InsertRowsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<JournalRow> rows)
    {
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = transaction;
        cmd.CommandText = SqlJournalStatements.Insert;
        var p = SqlJournalStatements.AddInsertParameters(cmd);
        cmd.Prepare();
        foreach (var row in rows)
        {
            SqlJournalStatements.Bind(p, row);
            await cmd.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }
}
