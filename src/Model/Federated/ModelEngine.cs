namespace HFedMoE.Model.Federated;

/// <summary>
/// Which tensor engine trains a client: <see cref="Torch"/> (the TorchSharp modules of
/// <c>Nn/TorchMoE</c>, on libtorch) or <see cref="Former"/> (our own kernels in <c>Tensors/</c>,
/// kept for the parity tests and the benchmark until it is deleted). Both start from the same
/// weights and give the same gradients within float tolerance.
/// </summary>
public enum ModelEngine
{
    Former,
    Torch,
}
