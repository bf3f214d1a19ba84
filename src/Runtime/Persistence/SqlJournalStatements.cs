using System.Data;
using System.Data.Common;

namespace HFedMoE.Runtime.Persistence;

/// <summary>The journal and snapshot DML shared by SQLite and PostgreSQL.</summary>
internal static class SqlJournalStatements
{
    public const string Insert =
        "INSERT INTO journal (persistence_id, sequence_number, created, serializer_id, manifest, payload, writer_uuid, tags, deleted) " +
        "VALUES (@pid, @seq, @created, @sid, @manifest, @payload, @writer, @tags, FALSE)";

    public const string SelectRange =
        "SELECT ordering, persistence_id, sequence_number, created, serializer_id, manifest, payload, writer_uuid, tags FROM journal " +
        "WHERE persistence_id = @pid AND deleted = FALSE AND sequence_number >= @from AND sequence_number <= @to " +
        "ORDER BY sequence_number LIMIT @limit";

    // Over ALL rows, deleted or not: the highest sequence number survives deletion.
    public const string SelectHighest =
        "SELECT COALESCE(MAX(sequence_number), 0) FROM journal WHERE persistence_id = @pid";

    // Soft-delete, then physically remove every marked row except the highest marked one,
    // which stays as the high-water mark (payload emptied to give the space back).
    public const string MarkDeleted =
        "UPDATE journal SET deleted = TRUE, payload = @empty WHERE persistence_id = @pid AND sequence_number <= @to AND deleted = FALSE";

    public const string RemoveDeletedBelowMark =
        "DELETE FROM journal WHERE persistence_id = @pid AND deleted = TRUE AND sequence_number < " +
        "(SELECT MAX(sequence_number) FROM journal WHERE persistence_id = @pid AND deleted = TRUE)";

    public const string SelectPersistenceIds =
        "SELECT DISTINCT persistence_id FROM journal ORDER BY persistence_id";

    public const string UpsertSnapshot =
        "INSERT INTO snapshot (persistence_id, sequence_number, created, snapshot, manifest, serializer_id) " +
        "VALUES (@pid, @seq, @created, @payload, @manifest, @sid) " +
        "ON CONFLICT (persistence_id, sequence_number) DO UPDATE SET created = excluded.created, " +
        "snapshot = excluded.snapshot, manifest = excluded.manifest, serializer_id = excluded.serializer_id";

    public const string SelectSnapshot =
        "SELECT persistence_id, sequence_number, created, snapshot, manifest, serializer_id FROM snapshot " +
        "WHERE persistence_id = @pid AND sequence_number <= @maxSeq AND sequence_number >= @minSeq " +
        "AND created <= @maxTs AND created >= @minTs ORDER BY sequence_number DESC LIMIT 1";

    public const string DeleteSnapshotExact =
        "DELETE FROM snapshot WHERE persistence_id = @pid AND sequence_number = @seq AND created <= @maxTs";

    public const string DeleteSnapshots =
        "DELETE FROM snapshot WHERE persistence_id = @pid AND sequence_number <= @maxSeq AND sequence_number >= @minSeq " +
        "AND created <= @maxTs AND created >= @minTs";

    public static DbParameter[] AddInsertParameters(DbCommand cmd) =>
    [
        Add(cmd, "@pid", DbType.String),
        Add(cmd, "@seq", DbType.Int64),
        Add(cmd, "@created", DbType.Int64),
        Add(cmd, "@sid", DbType.Int32),
        Add(cmd, "@manifest", DbType.String),
        Add(cmd, "@payload", DbType.Binary),
        Add(cmd, "@writer", DbType.String),
        Add(cmd, "@tags", DbType.String),
    ];

    public static void Bind(DbParameter[] p, JournalRow row)
    {
        p[0].Value = row.PersistenceId;
        p[1].Value = row.SequenceNr;
        p[2].Value = row.CreatedTicks;
        p[3].Value = row.SerializerId;
        p[4].Value = row.Manifest;
        p[5].Value = row.Payload;
        p[6].Value = row.WriterUuid;
        p[7].Value = (object?)row.Tags ?? DBNull.Value;
    }

    public static DbParameter Add(DbCommand cmd, string name, DbType type, object? value = null)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.DbType = type;
        if (value is not null)
        {
            p.Value = value;
        }
        cmd.Parameters.Add(p);
        return p;
    }

    public static JournalRow ReadRow(DbDataReader r) => new(
        PersistenceId: r.GetString(1),
        SequenceNr: r.GetInt64(2),
        CreatedTicks: r.GetInt64(3),
        SerializerId: r.GetInt32(4),
        Manifest: r.GetString(5),
        Payload: (byte[])r.GetValue(6),
        WriterUuid: r.IsDBNull(7) ? string.Empty : r.GetString(7),
        Tags: r.IsDBNull(8) ? null : r.GetString(8),
        Ordering: r.GetInt64(0));
}
