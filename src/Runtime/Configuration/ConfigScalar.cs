namespace HFedMoE.Runtime.Configuration;

/// <summary>
/// A string, number, boolean or null, kept as its source text so <c>GetString</c> on a
/// number returns exactly what was written.
/// </summary>
internal sealed class ConfigScalar : ConfigNode
{
    public ConfigScalar(ConfigOrigin origin, string text, ScalarKind kind, bool isWhitespace = false) : base(origin)
    {
        Text = text;
        Kind = kind;
        IsWhitespace = isWhitespace;
    }

    public string Text { get; }

    public ScalarKind Kind { get; }

    /// <summary>
    /// Whitespace between two parts of a value concatenation: kept when joining strings,
    /// ignored when joining arrays or objects.
    /// </summary>
    public bool IsWhitespace { get; }

    public override bool IsResolved => true;

    public override string KindName => Kind switch
    {
        ScalarKind.Number => "a number",
        ScalarKind.Boolean => "a boolean",
        ScalarKind.Null => "null",
        _ => "a string",
    };
}
