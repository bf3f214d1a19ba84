namespace HFedMoE.Host.Simulation;

/// <summary>
/// One round as the round manager's journal tells it: who was asked (and the digests of their
/// plans), whose updates were accepted (with the update digests), who was dropped and why, and
/// how the round ended (<c>committed</c>, <c>closed-incomplete</c>, or <c>open</c> if the journal
/// ends inside it).
/// </summary>
internal sealed record RoundRecord(
    int Round,
    int ModelVersion,
    IReadOnlyList<string> Participants,
    IReadOnlyList<string> PlanDigests,
    IReadOnlyList<(string Client, string Digest)> Accepted,
    IReadOnlyList<(string Client, string Reason)> Dropped,
    int Extensions,
    string Outcome,
    string? ModelDigest,
    IReadOnlyDictionary<string, double> Metrics,
    string? Reason);
