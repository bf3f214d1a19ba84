using HFedMoE.Runtime.Configuration;
using HFedMoE.Runtime.Persistence;
using HFedMoE.Runtime.Serialization;

namespace HFedMoE.Runtime.Tests.Persistence;

public sealed class PersistencePluginsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hfedmoe-plugins-" + Guid.NewGuid().ToString("N"));
    private readonly SerializerRegistry _serializers = SerializerRegistry.CreateDefault();

    private static Config Load(string hocon) => ConfigurationFactory.ParseString(hocon).WithFallback(ConfigurationFactory.Reference());

    [Fact]
    public async Task Reference_defaults_give_a_sqlite_journal_file_in_the_data_directory()
    {
        var config = Load($"hfedmoe.persistence.data-dir = \"{_dir}\"");
        await using (var journal = PersistencePlugins.CreateJournal(config, _serializers))
        {
            Assert.IsType<SqlJournal>(journal);
            Assert.Equal(1000, journal.Options.MaxBatchSize);
            Assert.Equal("FULL", journal.Options.SqliteSynchronous);
            await journal.WriteAsync([new AtomicWrite(new PersistentRepr("x", 1, "e"))]);
        }
        Assert.True(File.Exists(Path.Combine(_dir, "journal.db")), "journal.db created under data-dir");
        Assert.Equal(TimeSpan.FromSeconds(30), PersistencePlugins.RecoveryEventTimeout(config));
    }

    [Fact]
    public async Task The_plugin_key_selects_a_section_and_its_settings()
    {
        var config = Load("""
            hfedmoe.persistence.journal.plugin = "hfedmoe.persistence.journal.inmem"
            hfedmoe.persistence.journal.inmem { max-batch-size = 7, recovery-event-timeout = 2s }
            hfedmoe.persistence.snapshot-store.plugin = "hfedmoe.persistence.snapshot-store.inmem"
            """);
        await using var journal = PersistencePlugins.CreateJournal(config, _serializers);
        await using var snapshots = PersistencePlugins.CreateSnapshotStore(config, _serializers);
        Assert.IsType<InMemoryJournal>(journal);
        Assert.Equal(7, journal.Options.MaxBatchSize);
        Assert.IsType<InMemorySnapshotStore>(snapshots);
        Assert.Equal(TimeSpan.FromSeconds(2), PersistencePlugins.RecoveryEventTimeout(config));
    }

    [Fact]
    public void A_missing_plugin_section_is_named_in_the_error()
    {
        var config = Load("hfedmoe.persistence.journal.plugin = \"hfedmoe.persistence.journal.nope\"");
        var e = Assert.Throws<ConfigurationException>(() => PersistencePlugins.CreateJournal(config, _serializers));
        Assert.Contains("hfedmoe.persistence.journal.nope", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_type_and_an_empty_postgres_connection_string_are_refused()
    {
        var badType = Load("my.journal { type = mongo }");
        Assert.Contains("mongo", Assert.Throws<ConfigurationException>(() => PersistencePlugins.CreateJournal(badType, _serializers, "my.journal")).Message, StringComparison.Ordinal);
        var noCs = Load("hfedmoe.persistence.journal.plugin = \"hfedmoe.persistence.journal.postgresql\"");
        Assert.Contains("connection-string", Assert.Throws<ConfigurationException>(() => PersistencePlugins.CreateJournal(noCs, _serializers)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_numbers_are_refused_with_the_key_name()
    {
        var config = Load("hfedmoe.persistence.journal.inmem.max-batch-size = 0\nhfedmoe.persistence.journal.plugin = \"hfedmoe.persistence.journal.inmem\"");
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => PersistencePlugins.CreateJournal(config, _serializers));
        Assert.Contains("max-batch-size", e.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
