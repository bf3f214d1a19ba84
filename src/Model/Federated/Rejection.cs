namespace HFedMoE.Model.Federated;

/// <summary>An update the server refused, with the reason naming the tensor, expert or value.</summary>
public sealed record Rejection(string ClientId, string Reason);
