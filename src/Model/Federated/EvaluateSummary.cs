namespace HFedMoE.Model.Federated;

/// <summary>Sample-weighted loss and accuracy of an evaluation, with any further metrics.</summary>
public sealed record EvaluateSummary(double Loss, double Accuracy, IReadOnlyDictionary<string, double> Metrics);
