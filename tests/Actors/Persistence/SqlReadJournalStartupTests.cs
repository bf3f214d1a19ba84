using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using HFedMoE.Actors.Persistence;

namespace HFedMoE.Actors.Tests.Persistence;

public sealed class SqlReadJournalStartupTests() : FederationTestKit()
{
    [Fact]
    public async Task Opens_the_read_journal_of_a_fresh_sqlite_journal_and_reads_through_it()
    {
        SqlReadJournal journal = await SqlReadJournalStartup.OpenAsync(Sys);

        var ids = await journal.CurrentPersistenceIds().RunWith(Sink.Seq<string>(), Sys.Materializer());
        Assert.Empty(ids);
    }

    [Fact]
    public async Task A_journal_that_never_initialises_is_a_timeout_naming_the_plugin_not_a_bare_ask_timeout()
    {
        var config = ConfigurationFactory.ParseString($$"""
            akka.persistence.journal.plugin = "never-ready-journal"
            never-ready-journal.class = "{{typeof(NeverReadyJournal).AssemblyQualifiedName}}"
            """);
        using var system = ActorSystem.Create("never-ready", config);
        try
        {
            var e = await Assert.ThrowsAsync<TimeoutException>(
                () => SqlReadJournalStartup.OpenAsync(system, TimeSpan.FromMilliseconds(300)));
            Assert.Contains("never-ready-journal", e.Message, StringComparison.Ordinal);
            Assert.Contains("did not start", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            await system.Terminate();
        }
    }

    /// <summary>A journal stuck initialising: it never answers.</summary>
    private sealed class NeverReadyJournal : ReceiveActor
    {
        public NeverReadyJournal() => ReceiveAny(_ => { });
    }
}
