using HFedMoE.Model.Federated;

using Akka.Actor;

namespace HFedMoE.Actors.Aggregation;

/// <summary>
/// Opens a round on an aggregator (server-local, sent by the RoundManager): the model the
/// round trains from, the plans and profiles of its clients, the strategy options and the bounds
/// of the exact sums (<see cref="AggregationBounds.For"/>) and how the router is merged
/// (<paramref name="RouterMerge"/>; null: as HFedMoE under these options, see
/// <see cref="HFedMoEWeights.RouterMergeOf"/>). Answered by <see cref="AggregatorReady"/>
/// or, if the round cannot be opened, by a <see cref="Protocol.Error"/>.
/// </summary>
public sealed record OpenRound(
    int Round,
    GlobalModel Model,
    IReadOnlyList<TrainPlan> Plans,
    IReadOnlyList<ClientProfile> Clients,
    StrategyOptions Options,
    AggregationBounds Bounds,
    RouterMerge? RouterMerge = null) : INoSerializationVerificationNeeded
{
    /// <summary>How the gating aggregator merges the router this round.</summary>
    public RouterMerge Gating => RouterMerge ?? HFedMoEWeights.RouterMergeOf(Options);

    /// <summary>A round merged with <paramref name="merge"/>'s bounds and router merge (any <see cref="ExpertBudgetStrategy"/>).</summary>
    public static OpenRound For(int round, GlobalModel model, IReadOnlyList<TrainPlan> plans, IReadOnlyList<ClientProfile> clients, StrategyOptions options, DelegatedMerge merge)
    {
        ArgumentNullException.ThrowIfNull(merge);
        return new OpenRound(round, model, plans, clients, options, merge.Bounds, merge.RouterMerge);
    }

    /// <summary>A round with the bounds the HFedMoE strategy itself would use.</summary>
    public static OpenRound For(int round, GlobalModel model, IReadOnlyList<TrainPlan> plans, IReadOnlyList<ClientProfile> clients, StrategyOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new OpenRound(round, model, plans, clients, options, AggregationBounds.For(clients, model.Layout.Layers, routerByGatingPreference: HFedMoEWeights.RouterMergeOf(options) is not HFedMoE.Model.Federated.RouterMerge.PerExpertColumn && options.SparsityAwareAggregation, options.ValueBound));
    }
}

/// <summary>The aggregator accepts updates for <paramref name="Round"/> from now on.</summary>
public sealed record AggregatorReady(int Round, int ModelVersion);
