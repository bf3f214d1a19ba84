using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;

namespace HFedMoE.Actors.Persistence;

/// <summary>
/// Opens Akka.Persistence.Sql's read journal without its start-up race. The read journal's
/// constructor blocks at most five seconds (a constant, not a setting) on the write journal
/// having initialised, which includes creating the tables on first use; on a loaded machine that
/// is not always enough, and the constructor then throws a bare <see cref="AskTimeoutException"/>.
/// So this first waits, as long as the caller allows, for the write journal to answer a request:
/// the journal stashes requests until it has initialised, so its answer means the read journal's
/// own wait returns at once.
/// </summary>
public static class SqlReadJournalStartup
{
    /// <summary>How long a read journal waits for the write journal by default.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The SQL read journal of <paramref name="system"/>, once its write journal is up.</summary>
    /// <exception cref="TimeoutException">the write journal did not initialise within <paramref name="timeout"/>.</exception>
    public static async Task<SqlReadJournal> OpenAsync(ActorSystem system, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        var wait = timeout ?? DefaultTimeout;
        var writeJournal = Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null);
        try
        {
            // An empty replay of an id nobody writes: answered with RecoverySuccess once initialised.
            await writeJournal.Ask<object>(
                replyTo => new ReplayMessages(0, 0, 0, "hfedmoe-read-journal-startup", replyTo), wait, CancellationToken.None);
        }
        catch (AskTimeoutException e)
        {
            throw new TimeoutException(
                $"the journal ({system.Settings.Config.GetString("akka.persistence.journal.plugin")}) did not start within {wait.TotalSeconds:0} s; is its database reachable?", e);
        }
        return PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
    }
}
