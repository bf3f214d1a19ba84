namespace HFedMoE.Model.Federated;

/// <summary>Local optimisation per round: steps, batch size and AdamW learning rate.</summary>
public sealed record LocalSettings(int Steps = 10, int BatchSize = 8, double LearningRate = 3e-3);
