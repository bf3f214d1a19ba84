namespace HFedMoE.Model.Federated;

/// <summary>
/// One round's merge in progress: replies are offered one at a time as they arrive (any order;
/// the result does not depend on it) and the round is completed with the failures.
/// </summary>
public interface IRoundAggregation
{
    /// <summary>Validates and merges one reply; returns the rejection if it was refused.</summary>
    Rejection? Offer(SparseUpdate update);

    TrainAggregate Complete(IReadOnlyList<ClientFailure> failures);
}
