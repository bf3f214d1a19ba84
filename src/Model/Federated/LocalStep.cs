namespace HFedMoE.Model.Federated;

/// <summary>
/// One local step as the trainer saw it: experts routed by the batch, experts that ran a backward
/// pass (as counted by the model), whether the step failed (FedAvg-Naive over budget), its loss.
/// </summary>
public sealed record LocalStep(int Step, int RoutedExperts, int ExpertsWithBackward, bool Failed, float Loss);
