namespace HFedMoE.Actors.Protocol;

/// <summary>
/// A client's reply cut into the messages of one round: the report for the RoundManager, the
/// gating update (router and shared tensors) and one update per expert it sends.
/// </summary>
public sealed record RoutedUpdate(ClientReport Report, GatingUpdate Gating, IReadOnlyList<ExpertUpdate> Experts);
