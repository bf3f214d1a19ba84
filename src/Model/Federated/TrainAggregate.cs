namespace HFedMoE.Model.Federated;

/// <summary>
/// The outcome of a training round: the new global model, the round's metrics (names in
/// <see cref="RoundMetric"/>), and the updates that were refused.
/// </summary>
public sealed record TrainAggregate(GlobalModel Model, IReadOnlyDictionary<string, double> Metrics, IReadOnlyList<Rejection> Rejections);
