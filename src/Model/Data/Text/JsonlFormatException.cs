namespace HFedMoE.Model.Data.Text;

/// <summary>A JSONL line that is not a usable example, under <see cref="BadLinePolicy.Fatal"/>; the message names file and line.</summary>
public sealed class JsonlFormatException : FormatException
{
    public JsonlFormatException()
    {
    }

    public JsonlFormatException(string message)
        : base(message)
    {
    }

    public JsonlFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
