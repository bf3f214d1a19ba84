using System.Text.Json;
using HFedMoE.Actors.Rounds;
using HFedMoE.Runtime.Actor;
using HFedMoE.Runtime.Configuration;
using HFedMoE.Runtime.Persistence;

namespace HFedMoE.Host.Simulation;

/// <summary>
/// The persisted rounds of a run, read from the journal through the persistence read side
/// (<see cref="IReadJournal"/>), without starting the round manager.
/// </summary>
internal static class RoundHistory
{
    /// <summary>
    /// Reads the events of <paramref name="persistenceId"/> from the journal that
    /// <paramref name="config"/> selects, with its data folder set to <paramref name="dataDir"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The journal does not support reading, or an event is not a round event.</exception>
    public static IReadOnlyList<RoundRecord> Read(string dataDir, Config config, string persistenceId = RoundManager.DefaultPersistenceId)
    {
        ArgumentNullException.ThrowIfNull(dataDir);
        ArgumentNullException.ThrowIfNull(config);
        var systemConfig = ConfigurationFactory.ParseString($"hfedmoe.persistence.data-dir = {JsonSerializer.Serialize(Path.GetFullPath(dataDir))}").WithFallback(config);
        var system = ActorSystem.Create("replay", systemConfig);
        try
        {
            var journal = PersistenceExtension.Get(system).Journal() as IReadJournal
                ?? throw new InvalidOperationException("the configured journal has no read side");
            return Fold(Events(journal, persistenceId).ToBlockingEnumerable());
        }
        finally
        {
            system.Terminate().Wait(30_000, CancellationToken.None);
        }
    }

    private static async IAsyncEnumerable<object> Events(IReadJournal journal, string persistenceId)
    {
        await foreach (var e in journal.CurrentEventsByPersistenceId(persistenceId).ConfigureAwait(false))
        {
            yield return e.Event;
        }
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
