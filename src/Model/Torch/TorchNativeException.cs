namespace HFedMoE.Model.Torch;

/// <summary>
/// libtorch cannot be used as configured: TorchSharp's native library could not be made to load,
/// or the configured device is not there. The message says why and what to do. An
/// <see cref="InvalidOperationException"/>, so every command reports it as a failed run in one line.
/// </summary>
public sealed class TorchNativeException : InvalidOperationException
{
    public TorchNativeException()
    {
    }

    public TorchNativeException(string message)
        : base(message)
    {
    }

    public TorchNativeException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
