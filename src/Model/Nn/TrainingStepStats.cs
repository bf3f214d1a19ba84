namespace HFedMoE.Model.Nn;

/// <summary>
/// What one forward(+backward) pass did. FLOPs count the matrix products only (2·m·n·k each);
/// "dense" is everything outside the experts (embeddings, attention, routers, heads), "expert" is
/// the expert FFNs. A frozen expert contributes forward FLOPs but zero backward FLOPs.
/// </summary>
/// <param name="Loss">Task loss (cross-entropy), the value the training loop reports.</param>
/// <param name="BalanceLoss">Load-balancing loss, already multiplied by its coefficient, summed over layers.</param>
/// <param name="ZLoss">Router z-loss, already multiplied by its coefficient, summed over layers.</param>
/// <param name="RoutedExperts">Experts that received at least one token, summed over layers.</param>
/// <param name="ExpertsWithBackward">Routed experts that were not frozen, i.e. ran a backward pass.</param>
public readonly record struct TrainingStepStats(
    float Loss,
    float BalanceLoss,
    float ZLoss,
    int RoutedExperts,
    int ExpertsWithBackward,
    long ForwardFlopsDense,
    long ForwardFlopsExpert,
    long BackwardFlopsDense,
    long BackwardFlopsExpert)
{
    /// <summary>The objective actually differentiated: task loss plus the auxiliary router losses.</summary>
    public float TotalLoss => Loss + BalanceLoss + ZLoss;

    public long ForwardFlops => ForwardFlopsDense + ForwardFlopsExpert;

    public long BackwardFlops => BackwardFlopsDense + BackwardFlopsExpert;
}
