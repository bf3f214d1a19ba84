namespace HFedMoE.Model.Torch;

/// <summary>TorchSharp's native library could not be made to load; the message says why and what to do.</summary>
public sealed class TorchNativeException : Exception
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
