namespace HFedMoE.Model.Optim;

/// <summary>
/// Learning rate: linear warm-up from 0 to <paramref name="PeakLearningRate"/> over
/// <paramref name="WarmupSteps"/>, then cosine decay to <paramref name="MinLearningRate"/> at
/// <paramref name="TotalSteps"/>; constant at the minimum afterwards. Steps count from 0.
/// </summary>
public sealed record WarmupCosineSchedule(float PeakLearningRate, int WarmupSteps, int TotalSteps, float MinLearningRate = 0f)
{
    public float At(int step)
    {
        if (step < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, "step must be ≥ 0");
        }
        if (WarmupSteps < 0 || TotalSteps < WarmupSteps || !(PeakLearningRate >= MinLearningRate) || MinLearningRate < 0f)
        {
            throw new InvalidOperationException($"invalid schedule {this}: need 0 ≤ WarmupSteps ≤ TotalSteps and 0 ≤ MinLearningRate ≤ PeakLearningRate");
        }
        if (step < WarmupSteps)
        {
            return PeakLearningRate * (step + 1) / WarmupSteps;
        }
        if (step >= TotalSteps)
        {
            return MinLearningRate;
        }
        int decaySteps = TotalSteps - WarmupSteps;
        double progress = decaySteps == 0 ? 1.0 : (double)(step - WarmupSteps) / decaySteps;
        return (float)(MinLearningRate + 0.5 * (PeakLearningRate - MinLearningRate) * (1 + Math.Cos(Math.PI * progress)));
    }
}
