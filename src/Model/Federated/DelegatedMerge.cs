namespace HFedMoE.Model.Federated;

/// <summary>
/// One round of an <see cref="ExpertBudgetStrategy"/> whose tensors are merged elsewhere (the
/// per-expert and gating aggregator actors): each reply is validated and counted for the round's
/// metrics as by <see cref="IFederatedStrategy.BeginAggregateTrain"/>, and the weights the strategy
/// merges it with are handed back so they can travel with the reply's slices. Holds no tensor
/// sums: memory is a few numbers per client and expert, whatever the model's size.
/// What a strategy does beyond a weighted sum per parameter travels here too: the bounds the exact
/// sums are sized for (<see cref="Bounds"/>) and how the router is merged (<see cref="RouterMerge"/>:
/// per expert column, or unnormalised over |S_global|, which the gating merge counts from the
/// usages it receives). Width-scaled (HeteroFL) tensors carry their own shape.
/// </summary>
public sealed class DelegatedMerge
{
    private readonly RoundAggregation _round;

    internal DelegatedMerge(RoundAggregation round, AggregationBounds bounds, RouterMerge routerMerge)
    {
        _round = round;
        Bounds = bounds;
        RouterMerge = routerMerge;
    }

    /// <summary>The weight and value bounds the strategy's own exact sums use; the same bounds give the same bits.</summary>
    public AggregationBounds Bounds { get; }

    /// <summary>How the router is merged.</summary>
    public RouterMerge RouterMerge { get; }

    /// <summary>
    /// Validates one reply (everything but tensor values, which the caller must check) and counts it.
    /// Returns the rejection if it was refused. <paramref name="weights"/>: what the reply counts
    /// for in each part of the merge, null when it is not merged (refused, or lost like a
    /// FedAvg-Naive device over its budget on too many steps).
    /// </summary>
    public Rejection? Offer(SparseUpdate update, out ContributionWeights? weights) => _round.Offer(update, out weights);

    /// <summary>
    /// The round's result once its tensors are merged: <paramref name="merged"/> (the previous
    /// model's version + 1), with <paramref name="expertsMerged"/> experts having received a
    /// contribution; the metrics are the strategy's.
    /// </summary>
    public TrainAggregate Complete(IReadOnlyList<ClientFailure> failures, GlobalModel merged, int expertsMerged) =>
        _round.Complete(failures, merged, expertsMerged);
}
