namespace HFedMoE.Actors.Protocol;

/// <summary>
/// A client's reply cut into the messages of one round, each share with the weight the round's
/// strategy merges it with: the report for the RoundManager, the gating share (router and shared
/// tensors) and one share per expert the client trained or counts for.
/// </summary>
public sealed record RoutedShares(ClientReport Report, GatingShare Gating, IReadOnlyList<ExpertShare> Experts);
