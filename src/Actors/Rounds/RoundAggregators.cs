using HFedMoE.Actors.Protocol;
using HFedMoE.Model.Federated;
using Akka.Actor;

namespace HFedMoE.Actors.Rounds;

/// <summary>
/// The aggregator actors merging one open round: one <see cref="Aggregation.ExpertAggregator"/>
/// per (MoE layer, expert) and one <see cref="Aggregation.GatingAggregator"/>, and the answers they
/// gave to <see cref="FinalizeRound"/>. A <paramref name="generation"/> is one set of actors: after
/// one of them stops, the round manager replaces the whole set and routes the spooled updates
/// again, so only answers from the current generation's members count.
/// </summary>
internal sealed class RoundAggregators(int round, int generation, IReadOnlyDictionary<(int Layer, int Expert), IActorRef> experts, IActorRef gating)
{
    private readonly Dictionary<(int Layer, int Expert), ExpertMerged> _merged = [];
    private readonly HashSet<IActorRef> _members = [.. experts.Values.Append(gating)];

    public int Round { get; } = round;

    public int Generation { get; } = generation;

    public IReadOnlyDictionary<(int Layer, int Expert), IActorRef> Experts { get; } = experts;

    public IActorRef Gating { get; } = gating;

    public IEnumerable<IActorRef> All => _members;

    /// <summary>Set once <see cref="FinalizeRound"/> has been sent to this generation.</summary>
    public bool Finalising { get; set; }

    public GatingMerged? GatingResult { get; private set; }

    /// <summary>Every member has answered <see cref="FinalizeRound"/>.</summary>
    public bool Complete => GatingResult is not null && _merged.Count == Experts.Count;

    /// <summary>Experts that received at least one contribution.</summary>
    public int ExpertsMerged => _merged.Values.Count(m => !m.Unchanged);

    /// <summary>The expert aggregators' answers to <see cref="FinalizeRound"/>.</summary>
    public IReadOnlyCollection<ExpertMerged> ExpertResults => _merged.Values;

    public bool IsMember(IActorRef actor) => _members.Contains(actor);

    public IActorRef ExpertAt(int layer, int expert) =>
        Experts.TryGetValue((layer, expert), out var a)
            ? a
            : throw new ArgumentOutOfRangeException(nameof(expert), $"no aggregator for layer {layer} expert {expert} in round {Round}");

    /// <summary>Null if the answer belongs to this round at <paramref name="modelVersion"/>, else why not.</summary>
    public string? Record(ExpertMerged merged, int modelVersion)
    {
        if (merged.Round != Round || merged.ModelVersion != modelVersion)
        {
            return $"the aggregator of layer {merged.Layer} expert {merged.Expert} answered for round {merged.Round} at version {merged.ModelVersion}; expected round {Round} at version {modelVersion}";
        }
        _merged[(merged.Layer, merged.Expert)] = merged;
        return null;
    }

    /// <inheritdoc cref="Record(ExpertMerged, int)"/>
    public string? Record(GatingMerged merged, int modelVersion)
    {
        if (merged.Round != Round || merged.ModelVersion != modelVersion)
        {
            return $"the gating aggregator answered for round {merged.Round} at version {merged.ModelVersion}; expected round {Round} at version {modelVersion}";
        }
        GatingResult = merged;
        return null;
    }
}
