using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Aggregation;

/// <summary>
/// Opens a round on an aggregator (server-local, sent by the RoundManager): the model the
/// round trains from, the plans and profiles of its clients, the strategy options and the bounds
/// of the exact sums (<see cref="AggregationBounds.For"/>). Answered by <see cref="AggregatorReady"/>
/// or, if the round cannot be opened, by a <see cref="Protocol.Error"/>.
/// </summary>
public sealed record OpenRound(
    int Round,
    GlobalModel Model,
    IReadOnlyList<TrainPlan> Plans,
    IReadOnlyList<ClientProfile> Clients,
    StrategyOptions Options,
    AggregationBounds Bounds)
{
    /// <summary>A round with the bounds the HFedMoE strategy itself would use.</summary>
    public static OpenRound For(int round, GlobalModel model, IReadOnlyList<TrainPlan> plans, IReadOnlyList<ClientProfile> clients, StrategyOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new OpenRound(round, model, plans, clients, options, AggregationBounds.For(clients, model.Layout.Layers, routerByGatingPreference: HFedMoEWeights.RouterMergeOf(options) is not RouterMerge.PerExpertColumn && options.SparsityAwareAggregation, options.ValueBound));
    }
}

/// <summary>The aggregator accepts updates for <paramref name="Round"/> from now on.</summary>
public sealed record AggregatorReady(int Round, int ModelVersion);
