namespace HFedMoE.Runtime.Configuration;

/// <summary>
/// A configuration problem: malformed text, a missing include, an unresolved substitution,
/// a missing key, or a value of the wrong type. Location and path are filled in where known.
/// </summary>
public sealed class ConfigurationException : Exception
{
    public ConfigurationException() { }

    public ConfigurationException(string message) : base(message) { }

    public ConfigurationException(string message, Exception innerException) : base(message, innerException) { }

    public ConfigurationException(string message, string? file, int line, int column, string? path = null, Exception? innerException = null)
        : base(message, innerException)
    {
        File = file;
        Line = line;
        Column = column;
        Path = path;
    }

    /// <summary>The origin (file name or the origin given to ParseString), if known.</summary>
    public string? File { get; }

    /// <summary>1-based line, or 0 if unknown.</summary>
    public int Line { get; }

    /// <summary>1-based column, or 0 if unknown.</summary>
    public int Column { get; }

    /// <summary>The configuration path involved, if any.</summary>
    public string? Path { get; init; }
}
