using System.Data;
using HFedMoE.Runtime.Serialization;

namespace HFedMoE.Runtime.Persistence;

/// <summary>
/// Snapshot store in a SQL database: table <c>snapshot(persistence_id, sequence_number, created,
/// snapshot, manifest, serializer_id)</c>, primary key (persistence_id, sequence_number),
/// <c>created</c> in UTC ticks.
/// </summary>
public sealed class SqlSnapshotStore : ISnapshotStore
{
    private readonly SqlDialect _dialect;
    private readonly SerializerRegistry _serializers;
    private readonly Lazy<Task> _initialized;

    private SqlSnapshotStore(SqlDialect dialect, SerializerRegistry serializers, bool autoInitialize)
    {
        _dialect = dialect;
        _serializers = serializers;
        _initialized = new Lazy<Task>(() => autoInitialize ? InitializeAsync() : Task.CompletedTask, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public static SqlSnapshotStore Sqlite(string connectionString, SerializerRegistry serializers, bool autoInitialize = true, string synchronous = "FULL") =>
        new(new SqliteDialect(connectionString, synchronous), serializers, autoInitialize);

    public static SqlSnapshotStore Postgres(string connectionString, SerializerRegistry serializers, bool autoInitialize = true) =>
        new(new PostgresDialect(connectionString), serializers, autoInitialize);

    public async Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var payload = _serializers.Serialize(snapshot);
        await _initialized.Value.ConfigureAwait(false);
        await using var c = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await SqlJournal.Execute(c, null, SqlJournalStatements.UpsertSnapshot,
            ("@pid", DbType.String, metadata.PersistenceId),
            ("@seq", DbType.Int64, metadata.SequenceNr),
            ("@created", DbType.Int64, metadata.Timestamp.Ticks),
            ("@payload", DbType.Binary, payload.Bytes),
            ("@manifest", DbType.String, payload.Manifest),
            ("@sid", DbType.Int32, payload.SerializerId)).ConfigureAwait(false);
    }

    public async Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(criteria);
        await _initialized.Value.ConfigureAwait(false);
        await using var c = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = SqlJournalStatements.SelectSnapshot;
        AddCriteria(cmd, persistenceId, criteria);
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        var metadata = new SnapshotMetadata(r.GetString(0), r.GetInt64(1), new DateTime(r.GetInt64(2), DateTimeKind.Utc));
        var bytes = (byte[])r.GetValue(3);
        var manifest = r.GetString(4);
        var serializerId = r.GetInt32(5);
        try
        {
            return new SelectedSnapshot(metadata, _serializers.Deserialize(serializerId, manifest, bytes));
        }
        catch (Exception e)
        {
            throw new SnapshotReadException(persistenceId, metadata.SequenceNr, $"serializer {serializerId}, manifest '{manifest}', {bytes.Length} bytes", e);
        }
    }

    public async Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        await _initialized.Value.ConfigureAwait(false);
        await using var c = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        var maxTs = metadata.Timestamp == DateTime.MinValue ? DateTime.MaxValue : metadata.Timestamp;
        await SqlJournal.Execute(c, null, SqlJournalStatements.DeleteSnapshotExact,
            ("@pid", DbType.String, metadata.PersistenceId),
            ("@seq", DbType.Int64, metadata.SequenceNr),
            ("@maxTs", DbType.Int64, maxTs.Ticks)).ConfigureAwait(false);
    }

    public async Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(criteria);
        await _initialized.Value.ConfigureAwait(false);
        await using var c = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = SqlJournalStatements.DeleteSnapshots;
        AddCriteria(cmd, persistenceId, criteria);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_dialect is IAsyncDisposable d)
        {
            await d.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static void AddCriteria(System.Data.Common.DbCommand cmd, string persistenceId, SnapshotSelectionCriteria criteria)
    {
        SqlJournalStatements.Add(cmd, "@pid", DbType.String, persistenceId);
        SqlJournalStatements.Add(cmd, "@maxSeq", DbType.Int64, criteria.MaxSequenceNr);
        SqlJournalStatements.Add(cmd, "@minSeq", DbType.Int64, criteria.MinSequenceNr);
        SqlJournalStatements.Add(cmd, "@maxTs", DbType.Int64, criteria.MaxTimestamp.Ticks);
        SqlJournalStatements.Add(cmd, "@minTs", DbType.Int64, criteria.MinTimestamp.Ticks);
    }

    private async Task InitializeAsync()
    {
        await using var c = await _dialect.OpenAsync(CancellationToken.None).ConfigureAwait(false);
        await _dialect.CreateSchemaAsync(c, CancellationToken.None).ConfigureAwait(false);
    }
}
