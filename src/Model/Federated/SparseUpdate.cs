namespace HFedMoE.Model.Federated;

/// <summary>
/// A client's reply to a training round. Per-expert arrays are indexed by global expert id:
/// <paramref name="Usage"/> u_c(e) = mean gate probability over the client's local data,
/// <paramref name="Importance"/> s^c(e) = mean of the per-batch importance,
/// <paramref name="ActivationFrequency"/> = share of routed tokens dispatched to e (FLAME weights).
/// <paramref name="TrainedExperts"/> are the experts that got a backward pass in at least one
/// batch; <paramref name="Tensors"/> carry those experts, the router and the shared parameters.
/// <paramref name="LocalSteps"/>, <paramref name="FailedSteps"/> and
/// <paramref name="ExpertBackwardPasses"/> are compute statistics for the round's metrics.
/// </summary>
/// <param name="StartAccuracy">
/// Accuracy in [0, 1] of the model the client received (after its plan's narrowing, before any
/// weight moved) on its first local batch; NaN when not measured.
/// </param>
/// <param name="LocalAccuracy">
/// Accuracy in [0, 1] on the last local step's batch, of the weights that step started from;
/// NaN when not measured.
/// </param>
/// <param name="Flops">
/// Training FLOPs (matrix products, forward and backward) summed over the local steps, as the
/// model's per-pass counters report them; 0 when not measured.
/// </param>
public sealed record SparseUpdate(
    string ClientId,
    int Round,
    int ModelVersion,
    int SampleCount,
    IReadOnlyList<double> Usage,
    IReadOnlyList<double> Importance,
    IReadOnlyList<double> ActivationFrequency,
    IReadOnlyList<int> TrainedExperts,
    IReadOnlyList<UpdateTensor> Tensors,
    double Loss,
    int LocalSteps = 0,
    int FailedSteps = 0,
    long ExpertBackwardPasses = 0,
    double StartAccuracy = double.NaN,
    double LocalAccuracy = double.NaN,
    long Flops = 0);
