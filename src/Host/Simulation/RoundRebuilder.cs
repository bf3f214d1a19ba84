using HFedMoE.Actors.Rounds;
using HFedMoE.Actors.Server;
using HFedMoE.Model.Data;
using HFedMoE.Model.Federated;

namespace HFedMoE.Host.Simulation;

/// <summary>
/// Re-merges one committed round of a <c>hfedmoe simulate</c> run outside the actors: the model
/// before the round (the base, or the previous committed model from the spool), the plans the
/// strategy makes for the journal's participants (checked against the recorded plan digests),
/// the accepted updates from the spool, and the same failures; then compares the merged model's
/// digest with the one in <see cref="RoundCommitted"/>. Relies on the strategies being a pure
/// function of the round, the model and the replies, and on the merge being order-independent.
/// </summary>
internal static class RoundRebuilder
{
    /// <exception cref="InvalidOperationException">The round is not committed, or a file of the run is missing.</exception>
    public static RebuildOutcome Rebuild(string dataDir, IReadOnlyList<RoundRecord> rounds, int round)
    {
        ArgumentNullException.ThrowIfNull(dataDir);
        ArgumentNullException.ThrowIfNull(rounds);
        var record = rounds.FirstOrDefault(r => r.Round == round)
            ?? throw new InvalidOperationException($"round {round} is not in the journal");
        var folder = new RunFolder(dataDir);
        var settings = folder.ReadSettings() is { } stored
            ? folder.Relocated(stored).Validate()
            : throw new InvalidOperationException($"{folder.SettingsPath} is missing; rebuild needs the settings the run wrote");
        var initial = Simulator.InitialModel(settings, settings.BasePath!);
        var spool = UpdateSpool.InDirectory(Path.Combine(dataDir, "spool"));
        var before = rounds.LastOrDefault(r => r.Round < round && r.Outcome == "committed" && r.ModelDigest is not null);
        var model = before is null ? initial : ModelBlob.Read(spool.Get(before.ModelDigest!), initial);
        if (model.Version != record.ModelVersion)
        {
            throw new InvalidOperationException($"the model before round {round} has version {model.Version}; the journal says the round trained against version {record.ModelVersion}");
        }

        var splits = BenchmarkSplits.Generate(settings.Corpus, settings.Partition, (ulong)settings.Seed);
        var profiles = splits.Clients.Select((p, i) => ClientSetup.From(p, settings.TierOf(i)).Profile).ToDictionary(p => p.ClientId, StringComparer.Ordinal);
        var strategy = StrategyFactory.Create(settings.Strategy, settings.StrategyOptions());
        if (strategy is ExpertBudgetStrategy { KeepsStateAcrossRounds: true })
        {
            throw new InvalidOperationException($"{settings.Strategy} with a server step or exploration (strategy-options.plus server-momentum, server-lr, holder-lr-exponent, explore-after) keeps state across rounds, so one round cannot be re-merged alone");
        }
        var plans = strategy.ConfigureTrain(round, model, [.. record.Participants.Select(p => profiles[p])]);
        bool plansMatch = plans.Select(Digests.OfPlan).SequenceEqual(record.PlanDigests, StringComparer.Ordinal);

        var aggregation = strategy.BeginAggregateTrain(round);
        var refused = new List<string>();
        foreach (var (client, digest) in record.Accepted)
        {
            if (aggregation.Offer(Digests.DeserializeUpdate(spool.Get(digest))) is { } rejection)
            {
                refused.Add($"{client}: {rejection}");
            }
        }
        var accepted = record.Accepted.Select(a => a.Client).ToHashSet(StringComparer.Ordinal);
        var dropped = record.Dropped.ToDictionary(d => d.Client, d => d.Reason, StringComparer.Ordinal);
        var failures = record.Participants.Where(p => !accepted.Contains(p))
            .Select(p => new ClientFailure(p, dropped.TryGetValue(p, out string? why) ? why : "missed the deadline"))
            .ToList();
        var result = aggregation.Complete(failures);
        string rebuilt = Digests.Of(ModelBlob.Write(result.Model));
        return new RebuildOutcome(round, plansMatch, record.Accepted.Count, refused, record.ModelDigest, rebuilt);
    }
}
