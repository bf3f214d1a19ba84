namespace HFedMoE.Model.Torch;

/// <summary>What <see cref="TorchNative.EnsureLoaded"/> did: the glue library in use, and whether it is the patched copy.</summary>
public sealed record TorchNativeLoad(string? GluePath, bool Patched);
