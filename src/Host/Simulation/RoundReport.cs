namespace HFedMoE.Host.Simulation;

/// <summary>
/// One simulated round as the user sees it: how it ended, the global model's accuracy on the
/// clean test set and on the rare-only slice afterwards, and the round manager's metrics.
/// </summary>
internal sealed record RoundReport(
    int Round,
    string Outcome,
    double Accuracy,
    double RareAccuracy,
    int Accepted,
    int Dropped,
    string ModelDigest,
    double Seconds,
    IReadOnlyDictionary<string, double> Metrics);
