namespace HFedMoE.Host.Pretraining;

/// <summary>Where a pre-training run is: reported every few steps and at the end.</summary>
internal sealed record PretrainProgress(int Step, int TotalSteps, float Loss, float BalanceLoss, double StepsPerSecond, TimeSpan Remaining);
