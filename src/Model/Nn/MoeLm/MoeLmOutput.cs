using static TorchSharp.torch;

namespace HFedMoE.Model.Nn.MoeLm;

/// <summary>
/// A forward's results: logits (B, T, V) and, per layer, the router's probabilities (B·T, E) and
/// chosen experts (B·T, k). The tensors belong to the caller's dispose scope.
/// </summary>
public sealed record MoeLmOutput(Tensor Logits, IReadOnlyList<Tensor> RouterProbs, IReadOnlyList<Tensor> TopIndices);
