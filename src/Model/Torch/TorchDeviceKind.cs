namespace HFedMoE.Model.Torch;

/// <summary>The kinds of device <c>hfedmoe.model.device</c> accepts.</summary>
public enum TorchDeviceKind
{
    Cpu,
    Cuda,
}
