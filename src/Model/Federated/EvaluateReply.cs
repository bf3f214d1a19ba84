namespace HFedMoE.Model.Federated;

/// <summary>A client's evaluation of the global model on its local test data.</summary>
public sealed record EvaluateReply(string ClientId, int Round, int SampleCount, double Loss, double Accuracy);
