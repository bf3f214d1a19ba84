using HFedMoE.Runtime.Configuration;
using HFedMoE.Runtime.Serialization;

namespace HFedMoE.Runtime.Persistence;

/// <summary>
/// Builds journals and snapshot stores from HOCON. A plugin is a config section (its full path,
/// e.g. <c>hfedmoe.persistence.journal.sqlite</c>) whose <c>type</c> is sqlite, postgresql or
/// inmem; see the <c>hfedmoe.persistence</c> section of reference.conf for every key.
/// </summary>
public static class PersistencePlugins
{
    public const string JournalPluginPath = "hfedmoe.persistence.journal.plugin";
    public const string SnapshotPluginPath = "hfedmoe.persistence.snapshot-store.plugin";

    /// <summary>The journal named by <paramref name="pluginPath"/>, or by <c>hfedmoe.persistence.journal.plugin</c> when null.</summary>
    public static BatchingJournal CreateJournal(Config config, SerializerRegistry serializers, string? pluginPath = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (path, section) = Section(config, pluginPath ?? config.GetString(JournalPluginPath), "journal");
        var options = new JournalOptions
        {
            MaxBatchSize = section.GetInt("max-batch-size", 1000),
            ReplayBatchSize = section.GetInt("replay-batch-size", 1000),
            AutoInitialize = section.GetBoolean("auto-initialize", true),
            SqliteSynchronous = section.GetString("synchronous", "FULL"),
        };
        return Kind(section, path) switch
        {
            "sqlite" => SqlJournal.Sqlite(SqliteConnectionString(config, section, "journal.db"), serializers, options),
            "postgresql" => SqlJournal.Postgres(RequiredConnectionString(section, path), serializers, options),
            _ => new InMemoryJournal(serializers, options),
        };
    }

    /// <summary>The snapshot store named by <paramref name="pluginPath"/>, or by <c>hfedmoe.persistence.snapshot-store.plugin</c> when null.</summary>
    public static ISnapshotStore CreateSnapshotStore(Config config, SerializerRegistry serializers, string? pluginPath = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (path, section) = Section(config, pluginPath ?? config.GetString(SnapshotPluginPath), "snapshot store");
        var autoInitialize = section.GetBoolean("auto-initialize", true);
        return Kind(section, path) switch
        {
            "sqlite" => SqlSnapshotStore.Sqlite(SqliteConnectionString(config, section, "snapshots.db"), serializers, autoInitialize, section.GetString("synchronous", "FULL")),
            "postgresql" => SqlSnapshotStore.Postgres(RequiredConnectionString(section, path), serializers, autoInitialize),
            _ => new InMemorySnapshotStore(serializers),
        };
    }

    /// <summary>Idle time allowed between two replayed events of the plugin at <paramref name="pluginPath"/> (default 30 s).</summary>
    public static TimeSpan RecoveryEventTimeout(Config config, string? pluginPath = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var path = pluginPath ?? config.GetString(JournalPluginPath);
        return config.HasPath(path) ? config.GetConfig(path).GetTimeSpan("recovery-event-timeout", TimeSpan.FromSeconds(30)) : TimeSpan.FromSeconds(30);
    }

    private static (string Path, Config Section) Section(Config config, string path, string what)
    {
        if (string.IsNullOrWhiteSpace(path) || !config.HasPath(path))
        {
            throw new ConfigurationException($"{what} plugin '{path}' has no configuration section; expected the full path of a section such as hfedmoe.persistence.journal.sqlite");
        }
        return (path, config.GetConfig(path));
    }

    private static string Kind(Config section, string path)
    {
        var kind = section.GetString("type", string.Empty);
        return kind is "sqlite" or "postgresql" or "inmem"
            ? kind
            : throw new ConfigurationException($"{path}.type = '{kind}' is not a known plugin type; expected sqlite, postgresql or inmem");
    }

    private static string SqliteConnectionString(Config config, Config section, string defaultFile)
    {
        var cs = section.GetString("connection-string", string.Empty);
        if (!string.IsNullOrWhiteSpace(cs))
        {
            return cs;
        }
        var dir = config.GetString("hfedmoe.persistence.data-dir", "data");
        return $"Data Source={Path.Combine(dir, section.GetString("file", defaultFile))}";
    }

    private static string RequiredConnectionString(Config section, string path)
    {
        var cs = section.GetString("connection-string", string.Empty);
        return string.IsNullOrWhiteSpace(cs)
            ? throw new ConfigurationException($"{path}.connection-string is empty; a PostgreSQL plugin needs an Npgsql connection string (e.g. Host=127.0.0.1;Username=...;Password=...;Database=...)")
            : cs;
    }
}
