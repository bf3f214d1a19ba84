namespace HFedMoE.Model.Federated;

/// <summary>
/// A planned client that sent no usable update this round (timeout, crash, or FedAvg-Naive's
/// budget failures), with a human-readable reason.
/// </summary>
public sealed record ClientFailure(string ClientId, string Reason);
