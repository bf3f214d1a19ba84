namespace HFedMoE.Runtime.Configuration;

/// <summary>
/// <c>${path}</c> or <c>${?path}</c>. A self-reference (<c>a = ${a} [x]</c>) means "the value
/// <c>a</c> had before this assignment"; it is replaced when the assignment is merged over an
/// earlier value, and otherwise resolves like an optional substitution with no value in the
/// tree (environment variable, then undefined or an error).
/// </summary>
internal sealed class ConfigSubstitution : ConfigNode
{
    public ConfigSubstitution(ConfigOrigin origin, ConfigPath path, string expression, bool optional, bool isSelfReference)
        : base(origin)
    {
        Path = path;
        Expression = expression;
        Optional = optional;
        IsSelfReference = isSelfReference;
    }

    public ConfigPath Path { get; }

    /// <summary>The text between the braces (without <c>?</c>), also the environment variable name.</summary>
    public string Expression { get; }

    public bool Optional { get; }

    public bool IsSelfReference { get; }

    public override bool IsResolved => false;

    public override string KindName => "a substitution";

    public override string ToString() => Optional ? $"${{?{Expression}}}" : $"${{{Expression}}}";
}
