using Akka.Configuration;
using HFedMoE.Actors.Configuration;
using HFedMoE.Actors.Rounds;

namespace HFedMoE.Actors.Tests.Configuration;

/// <summary>
/// hocon/reference.conf read with Akka's HOCON, and what we add on top: a key under hfedmoe that
/// the reference does not define, a value of the wrong kind and malformed text are errors naming
/// the file, the line and (for a key) the nearest valid one.
/// </summary>
public sealed class HfedmoeConfigTests
{
    private static ConfigurationException Refused(string text) =>
        Assert.Throws<ConfigurationException>(() => HfedmoeConfig.Parse(text, "my.conf"));

    [Fact]
    public void The_reference_sits_over_akkas_defaults_and_binds_our_serializers_and_dispatchers()
    {
        var config = HfedmoeConfig.ActorSystemConfig(Config.Empty, Path.GetTempPath());
        Assert.Equal("akka.persistence.journal.sql", config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal("SQLite.MS", config.GetString("akka.persistence.journal.sql.provider-name"));
        Assert.Equal("Akka.Persistence.Sql.Journal.SqlWriteJournal, Akka.Persistence.Sql", config.GetString("akka.persistence.journal.sql.class"));
        Assert.Equal("ForkJoinDispatcher", config.GetString("hfedmoe.actor.round-dispatcher.type"));
        Assert.Equal(1, config.GetInt("hfedmoe.actor.round-dispatcher.dedicated-thread-pool.thread-count"));
        Assert.Equal("hfedmoe-protobuf", config.GetString("akka.actor.serialization-bindings.\"Google.Protobuf.IMessage, Google.Protobuf\""));
        Assert.Equal(new RoundSettings(), RoundSettings.FromConfig(config));
    }

    [Fact]
    public void An_empty_sqlite_connection_string_points_at_the_data_folder_and_the_read_journal_follows_the_journal()
    {
        string dir = Path.Combine(Path.GetTempPath(), "hfedmoe-config-" + Guid.NewGuid().ToString("N"));
        try
        {
            var config = HfedmoeConfig.ActorSystemConfig(Config.Empty, dir);
            Assert.Equal($"Data Source={Path.Combine(dir, "journal.db")}", config.GetString("akka.persistence.journal.sql.connection-string"));
            Assert.Equal($"Data Source={Path.Combine(dir, "snapshots.db")}", config.GetString("akka.persistence.snapshot-store.sql.connection-string"));
            Assert.Equal(config.GetString("akka.persistence.journal.sql.connection-string"), config.GetString("akka.persistence.query.journal.sql.connection-string"));
            Assert.Equal("SQLite.MS", config.GetString("akka.persistence.query.journal.sql.provider-name"));
            Assert.True(Directory.Exists(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_server_database_without_a_connection_string_is_an_error_naming_the_key()
    {
        var postgres = ConfigurationFactory.ParseString("""
            akka.persistence.journal.sql.provider-name = "PostgreSQL.15"
            """);
        var e = Assert.Throws<ConfigurationException>(() => HfedmoeConfig.ActorSystemConfig(postgres));
        Assert.Contains("akka.persistence.journal.sql.connection-string is empty; provider-name 'PostgreSQL.15' needs one", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_misspelt_key_is_an_error_naming_the_key_the_file_the_line_and_the_nearest_valid_key()
    {
        var e = Refused("hfedmoe.simulate.clinets = 4\n");
        Assert.Equal("my.conf:1: unknown key hfedmoe.simulate.clinets; the nearest valid key is hfedmoe.simulate.clients (every key is listed in hocon/reference.conf)", e.Message);

        var nested = Refused("""
            # my settings
            hfedmoe {
              simulate {
                rounds = 2
                model { experts = 8, hiddden = 12 }
              }
            }
            """);
        Assert.StartsWith("my.conf:5: unknown key hfedmoe.simulate.model.hiddden; the nearest valid key is hfedmoe.simulate.model.hidden", nested.Message, StringComparison.Ordinal);
        Assert.Contains("nearest valid key is hfedmoe.rounds.min-clients", Refused("hfedmoe.rounds.min-client = 2").Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hfedmoe.model.engine = former\n")]
    [InlineData("hfedmoe.model { device = cpu, engine = torch }\n")]
    public void The_removed_engine_key_is_an_error_saying_the_former_engine_was_removed(string text)
    {
        var e = Refused(text);

        Assert.Equal("my.conf:1: hfedmoe.model.engine was removed: the former CPU engine it chose was deleted in December 2026 and every model trains on TorchSharp (hfedmoe.model.device and .threads); delete the key", e.Message);
    }

    [Fact]
    public void A_value_of_the_wrong_kind_is_an_error_with_the_file_and_line()
    {
        Assert.Equal("my.conf:2: hfedmoe.simulate.rounds expects a whole number (default 30); got 'many'", Refused("\nhfedmoe.simulate.rounds = many").Message);
        Assert.Equal("my.conf:1: hfedmoe.rounds.deadline expects a duration such as 30s or 10m (default 10m); got 'soon'", Refused("hfedmoe.rounds.deadline = soon").Message);
        Assert.Equal("my.conf:1: hfedmoe.simulate.budgets expects a list [...]; got '4'", Refused("hfedmoe.simulate.budgets = 4").Message);
        Assert.Equal("my.conf:1: hfedmoe.simulate.model expects a section { ... }; got '3'", Refused("hfedmoe.simulate.model = 3").Message);
    }

    [Fact]
    public void Valid_files_pass_including_akkas_own_dispatcher_keys_and_other_akka_settings()
    {
        var config = HfedmoeConfig.Parse("""
            hfedmoe.simulate { rounds = 3, alpha = 1, budgets = [], strategy = fedavg-full }
            hfedmoe.actor.dedicated-dispatcher.throughput-deadline-time = 100ms
            hfedmoe.rounds.deadline = 30s
            akka.loglevel = INFO
            """, "my.conf");
        Assert.Equal(3, config.GetInt("hfedmoe.simulate.rounds"));
        Assert.Equal(20, config.GetInt("hfedmoe.simulate.clients"));
        Assert.Equal(TimeSpan.FromSeconds(30), config.GetTimeSpan("hfedmoe.rounds.deadline"));
    }

    [Theory]
    [InlineData("hfedmoe.simulate.strategy = \"hfedmoe\n", "my.conf:1:29: malformed HOCON: a string starts here and is never closed")]
    [InlineData("hfedmoe.simulate.budgets = [4, 8\n", "my.conf:1:28: malformed HOCON: '[' is opened here and never closed")]
    [InlineData("hfedmoe.simulate {\n  rounds = 3\n", "my.conf:1:18: malformed HOCON: '{' is opened here and never closed")]
    [InlineData("hfedmoe.simulate { rounds = 3 } }\n", "my.conf:1:33: malformed HOCON: '}' closes nothing")]
    [InlineData("hfedmoe.simulate.budgets = [4, 8}\n", "my.conf:1:33: malformed HOCON: '}' closes the '[' opened at 1:28")]
    [InlineData("hfedmoe.simulate.rounds = 3\n= 4\n", "my.conf:2:1: malformed HOCON: '=' with no key before it")]
    [InlineData("hfedmoe.simulate.rounds = ${nope}\n", "my.conf: malformed HOCON: Unresolved substitution: nope")]
    public void Malformed_hocon_is_an_error_naming_the_file_the_line_and_the_problem(string text, string expected)
    {
        Assert.StartsWith(expected, Refused(text).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Strings_comments_and_multi_line_lists_are_not_mistaken_for_structure()
    {
        var config = HfedmoeConfig.Parse(""""
            hfedmoe.simulate.data-dir = "runs/{a}[b]#c" # a comment with { and "
            // another } comment
            hfedmoe.simulate.frozen-prefixes = [
              "embed.",
              "head.",
            ]
            hfedmoe.simulate.strategy = """fedavg-full"""
            """", "my.conf");
        Assert.Equal("runs/{a}[b]#c", config.GetString("hfedmoe.simulate.data-dir"));
        Assert.Equal(["embed.", "head."], config.GetStringList("hfedmoe.simulate.frozen-prefixes"));
        Assert.Equal("fedavg-full", config.GetString("hfedmoe.simulate.strategy"));
    }

    [Fact]
    public void A_missing_file_is_an_error_naming_it()
    {
        var e = Assert.Throws<ConfigurationException>(() => HfedmoeConfig.Load("/nonexistent/my.conf"));
        Assert.Contains("config file /nonexistent/my.conf cannot be read", e.Message, StringComparison.Ordinal);
    }
}
