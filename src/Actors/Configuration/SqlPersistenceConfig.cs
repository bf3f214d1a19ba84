using System.Text.Json;
using Akka.Configuration;

namespace HFedMoE.Actors.Configuration;

/// <summary>
/// Fills in what Akka.Persistence.Sql needs and reference.conf cannot know: the SQLite files of a
/// journal or snapshot store whose connection string is empty (in the data folder), and the read
/// journal's provider and connection string (the journal's, unless set). Only the SQL plugin is
/// touched; a config that picks another plugin (tests use the in-memory one) passes unchanged.
/// </summary>
public static class SqlPersistenceConfig
{
    public const string JournalPath = "akka.persistence.journal.sql";
    public const string SnapshotPath = "akka.persistence.snapshot-store.sql";
    public const string QueryPath = "akka.persistence.query.journal.sql";

    /// <summary>The journal and snapshot files' folder when their connection strings are empty.</summary>
    public const string DataDirPath = "hfedmoe.persistence.data-dir";

    /// <exception cref="ConfigurationException">A non-SQLite provider without a connection string.</exception>
    public static Config Complete(Config config, string? dataDir)
    {
        ArgumentNullException.ThrowIfNull(config);
        string dir = Path.GetFullPath(dataDir ?? config.GetString(DataDirPath, "data"));
        bool sqlJournal = config.GetString("akka.persistence.journal.plugin", "") == JournalPath;
        bool sqlSnapshots = config.GetString("akka.persistence.snapshot-store.plugin", "") == SnapshotPath;
        string journal = ConnectionString(config, JournalPath, sqlJournal, Path.Combine(dir, config.GetString("hfedmoe.persistence.journal-file", "journal.db")));
        string snapshots = ConnectionString(config, SnapshotPath, sqlSnapshots, Path.Combine(dir, config.GetString("hfedmoe.persistence.snapshot-file", "snapshots.db")));
        string queryProvider = config.GetString($"{QueryPath}.provider-name", "");
        string queryConnection = config.GetString($"{QueryPath}.connection-string", "");
        var filled = ConfigurationFactory.ParseString($"""
            {DataDirPath} = {Quoted(dir)}
            {JournalPath}.connection-string = {Quoted(journal)}
            {SnapshotPath}.connection-string = {Quoted(snapshots)}
            {QueryPath}.provider-name = {Quoted(queryProvider.Length > 0 ? queryProvider : config.GetString($"{JournalPath}.provider-name", ""))}
            {QueryPath}.connection-string = {Quoted(queryConnection.Length > 0 ? queryConnection : journal)}
            """);
        return filled.WithFallback(config);
    }

    /// <summary>Whether the config's journal is Akka.Persistence.Sql on SQLite (the journal then lives in files of the data folder).</summary>
    public static bool UsesSqlite(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.GetString("akka.persistence.journal.plugin", "") == JournalPath
            && config.GetString($"{JournalPath}.provider-name", "").StartsWith("SQLite", StringComparison.OrdinalIgnoreCase);
    }

    /// <param name="used">The plugin is the one configured: an empty connection string is then an error for a server database, and the SQLite file's folder is created.</param>
    private static string ConnectionString(Config config, string plugin, bool used, string sqliteFile)
    {
        string given = config.GetString($"{plugin}.connection-string", "");
        if (given.Length > 0 || !used)
        {
            return given;
        }
        string provider = config.GetString($"{plugin}.provider-name", "");
        if (provider.StartsWith("SQLite", StringComparison.OrdinalIgnoreCase))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(sqliteFile)!);
            string connection = $"Data Source={sqliteFile}";
            UseWriteAheadLog(connection);
            return connection;
        }
        throw new ConfigurationException($"{plugin}.connection-string is empty; provider-name '{provider}' needs one (only SQLite gets a file in {DataDirPath} by default)");
    }

    /// <summary>
    /// WAL mode (kept in the file): in the default rollback mode a reader (a recovery, the read
    /// journal) holds off every writer, and 1,000 persistent actors recovering and writing at once
    /// made Akka.Persistence.Sql's batches wait past their call-timeout. Commits stay durable:
    /// SQLite's default synchronous = FULL syncs the log at every commit.
    /// </summary>
    private static void UseWriteAheadLog(string connectionString)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection(connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode = WAL";
        pragma.ExecuteNonQuery();
    }

    private static string Quoted(string value) => JsonSerializer.Serialize(value);
}
