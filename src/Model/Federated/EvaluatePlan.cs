namespace HFedMoE.Model.Federated;

/// <summary>A client's evaluation task for a round, on the given model version.</summary>
public sealed record EvaluatePlan(string ClientId, int Round, int ModelVersion, int BatchSize);
