using static TorchSharp.torch;

namespace HFedMoE.Model.Nn.TorchMoE;

/// <summary>
/// What one <see cref="TorchMoELayer"/> forward gives besides its output: the auxiliary losses
/// (already times their coefficients, scalars in the graph), the per-sample mean gate
/// probabilities (B, S, detached) and the tokens routed to each expert.
/// </summary>
internal sealed record MoELayerOutput(Tensor Output, Tensor BalanceLoss, Tensor ZLoss, Tensor SampleGates, int[] TokensPerExpert);
