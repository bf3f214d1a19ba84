namespace HFedMoE.Model.Checkpoints;

/// <summary>
/// A file is not a valid safetensors file (truncated, bad header, offsets out of range...).
/// The message names the file (when known) and what was wrong.
/// </summary>
public sealed class SafeTensorsFormatException : IOException
{
    public SafeTensorsFormatException()
    {
    }

    public SafeTensorsFormatException(string message)
        : base(message)
    {
    }

    public SafeTensorsFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
