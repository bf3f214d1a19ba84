using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using HFedMoE.Actors.Configuration;
using HFedMoE.Actors.Persistence;
using HFedMoE.Actors.Rounds;

namespace HFedMoE.Host.Simulation;

/// <summary>
/// The persisted rounds of a run, read from the journal through Akka.Persistence.Query's SQL read
/// journal (<see cref="SqlReadJournal"/>: <c>CurrentEventsByPersistenceId</c>,
/// <c>CurrentPersistenceIds</c>), without starting the round manager.
/// </summary>
internal static class RoundHistory
{
    /// <summary>
    /// Reads the events of <paramref name="persistenceId"/> from the journal that
    /// <paramref name="config"/> selects, its SQLite files (if SQLite) in <paramref name="dataDir"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">A journal row cannot be read (named by persistence id and sequence number).</exception>
    /// <exception cref="InvalidOperationException">An event is not a round event, or out of order.</exception>
    public static IReadOnlyList<RoundRecord> Read(string dataDir, Config config, string persistenceId = RoundManager.DefaultPersistenceId) =>
        WithReadJournal(dataDir, config, (journal, materializer) =>
        {
            var events = new List<object>();
            long last = 0;
            try
            {
                journal.CurrentEventsByPersistenceId(persistenceId, 0, long.MaxValue)
                    .RunForeach(e =>
                    {
                        events.Add(e.Event);
                        last = e.SequenceNr;
                    }, materializer)
                    .GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidDataException($"the journal row of '{persistenceId}' after sequence number {last} cannot be read: {Innermost(e).Message}", e);
            }
            return Fold(events);
        });

    /// <summary>The persistence ids the journal holds events of, in id order.</summary>
    public static IReadOnlyList<string> PersistenceIds(string dataDir, Config config) =>
        WithReadJournal(dataDir, config, (journal, materializer) =>
        {
            var ids = journal.CurrentPersistenceIds().RunWith(Sink.Seq<string>(), materializer).GetAwaiter().GetResult();
            return (IReadOnlyList<string>)[.. ids.Order(StringComparer.Ordinal)];
        });

    private static T WithReadJournal<T>(string dataDir, Config config, Func<SqlReadJournal, IMaterializer, T> read)
    {
        ArgumentNullException.ThrowIfNull(dataDir);
        ArgumentNullException.ThrowIfNull(config);
        var system = ActorSystem.Create("replay", HfedmoeConfig.ActorSystemConfig(config, Path.GetFullPath(dataDir)));
        try
        {
            var journal = SqlReadJournalStartup.OpenAsync(system).GetAwaiter().GetResult();
            return read(journal, system.Materializer());
        }
        finally
        {
            system.Terminate().Wait(30_000, CancellationToken.None);
        }
    }

    private static Exception Innermost(Exception e)
    {
        while (e is AggregateException { InnerException: { } inner })
        {
            e = inner;
        }
        return e;
    }

    /// <summary>Folds the round manager's events into one record per round, in journal order.</summary>
    internal static IReadOnlyList<RoundRecord> Fold(IEnumerable<object> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var rounds = new List<RoundRecord>();
        var index = new Dictionary<int, int>();
        RoundRecord Get(int round) => index.TryGetValue(round, out int i)
            ? rounds[i]
            : throw new InvalidOperationException($"the journal has an event of round {round} before its RoundStarted");
        void Set(RoundRecord r) => rounds[index[r.Round]] = r;

        foreach (object e in events)
        {
            switch (e)
            {
                case RoundStarted s:
                    index[s.Round] = rounds.Count;
                    rounds.Add(new RoundRecord(s.Round, s.ModelVersion, s.Participants, s.PlanDigests, [], [], 0, "open", null, new Dictionary<string, double>(), null));
                    break;
                case UpdateAccepted a:
                    {
                        var r = Get(a.Round);
                        Set(r with { Accepted = [.. r.Accepted, (a.ClientId, a.Digest)] });
                        break;
                    }
                case ClientDropped d:
                    {
                        var r = Get(d.Round);
                        Set(r with { Dropped = [.. r.Dropped, (d.ClientId, d.Reason)] });
                        break;
                    }
                case DeadlineExtended x:
                    Set(Get(x.Round) with { Extensions = x.Extension });
                    break;
                case RoundCommitted c:
                    Set(Get(c.Round) with { Outcome = "committed", ModelDigest = c.ModelDigest, Metrics = c.Metrics });
                    break;
                case RoundClosedIncomplete i:
                    Set(Get(i.Round) with { Outcome = "closed-incomplete", Reason = i.Reason });
                    break;
                case ClientRegistered:
                    break; // membership, not round history
                default:
                    throw new InvalidOperationException($"the journal holds an event of type {e.GetType().Name}, which is not a round manager event");
            }
        }
        return rounds;
    }
}
