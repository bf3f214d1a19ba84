namespace HFedMoE.Model.Federated;

/// <summary>
/// The linear cost model of ALGORITHM.md §2: cost ≈ <paramref name="DenseCost"/> +
/// n·<paramref name="ExpertCost"/> for n expert backward passes per batch, so a client with cap
/// C affords C_budget = floor((C − dense)/expert) experts. Units are the caller's (FLOPs, bytes
/// or abstract "expert passes" with dense 0 and expert 1).
/// </summary>
public sealed record BudgetCostModel(double DenseCost, double ExpertCost)
{
    /// <summary>Costs in expert passes: a cap of n means a budget of n experts.</summary>
    public static BudgetCostModel ExpertPasses { get; } = new(0, 1);

    public double CostOf(int experts) => DenseCost + experts * ExpertCost;

    /// <summary>C_budget for a cap; <paramref name="expertCount"/> clamps it to the model's size.</summary>
    public int BudgetFor(double computeCap, int expertCount)
    {
        if (!(DenseCost >= 0) || double.IsInfinity(DenseCost))
        {
            throw new InvalidOperationException($"dense cost must be a finite value ≥ 0, was {DenseCost}");
        }
        if (!(ExpertCost > 0) || double.IsInfinity(ExpertCost))
        {
            throw new InvalidOperationException($"expert cost must be a finite value > 0, was {ExpertCost}");
        }
        if (double.IsNaN(computeCap))
        {
            throw new ArgumentOutOfRangeException(nameof(computeCap), computeCap, "compute cap is NaN");
        }
        if (computeCap < DenseCost)
        {
            throw new ArgumentOutOfRangeException(nameof(computeCap), computeCap,
                $"compute cap {computeCap} is below the dense cost {DenseCost}: the client cannot run even a step with no expert backward pass");
        }
        double n = Math.Floor((computeCap - DenseCost) / ExpertCost);
        return n >= expertCount ? expertCount : (int)n;
    }
}
