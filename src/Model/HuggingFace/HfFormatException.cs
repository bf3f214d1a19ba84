namespace HFedMoE.Model.HuggingFace;

/// <summary>
/// A Hugging Face model folder cannot be used: an unknown architecture, a config value out of
/// range, a missing or misshapen tensor, a missing shard. The message names the file, the key
/// or the tensor, and what was expected.
/// </summary>
public sealed class HfFormatException : IOException
{
    public HfFormatException()
    {
    }

    public HfFormatException(string message)
        : base(message)
    {
    }

    public HfFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
