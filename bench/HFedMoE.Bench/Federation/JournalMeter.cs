using Microsoft.Data.Sqlite;

namespace HFedMoE.Bench.Federation;

/// <summary>
/// What a federation has written to disk so far: the SQLite journal's files (database, plus the
/// -wal file if the database is in WAL mode), the event payload bytes and count in
/// Akka.Persistence.Sql's journal table, and the update spool's bytes.
/// </summary>
internal sealed class JournalMeter(string dataDir, string spoolDir)
{
    public readonly record struct Reading(long FileBytes, long PayloadBytes, long Events, long SpoolBytes)
    {
        public static Reading operator -(Reading a, Reading b) =>
            new(a.FileBytes - b.FileBytes, a.PayloadBytes - b.PayloadBytes, a.Events - b.Events, a.SpoolBytes - b.SpoolBytes);
    }

    public Reading Read()
    {
        string db = Path.Combine(dataDir, "journal.db");
        long files = FileSize(db) + FileSize(db + "-wal");
        long payload = 0, events = 0;
        if (File.Exists(db))
        {
            using var connection = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT COALESCE(SUM(length(message)), 0), COUNT(*) FROM journal";
            using var reader = command.ExecuteReader();
            reader.Read();
            payload = reader.GetInt64(0);
            events = reader.GetInt64(1);
        }
        long spool = Directory.Exists(spoolDir)
            ? new DirectoryInfo(spoolDir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length)
            : 0;
        return new Reading(files, payload, events, spool);
    }

    private static long FileSize(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;
}
