namespace HFedMoE.Model.Federated;

/// <summary>
/// The finalised merge: the new model, how many experts received at least one contribution
/// (<paramref name="ExpertsMerged"/>) and how many kept their previous value.
/// </summary>
public sealed record AggregationOutcome(GlobalModel Model, int ExpertsMerged, int ExpertsKept, int UpdatesMerged);
