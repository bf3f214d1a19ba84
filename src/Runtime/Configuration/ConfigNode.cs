namespace HFedMoE.Runtime.Configuration;

/// <summary>
/// One value in a configuration tree. Objects, arrays and scalars are "resolved"; substitutions,
/// concatenations and delayed merges exist only between parsing and substitution resolution.
/// Nodes are never changed once a tree is published (only the parser fills fresh objects).
/// </summary>
internal abstract class ConfigNode
{
    protected ConfigNode(ConfigOrigin origin) => Origin = origin;

    public ConfigOrigin Origin { get; }

    /// <summary>True when the node (and everything below it) contains no substitution.</summary>
    public abstract bool IsResolved { get; }

    /// <summary>A short description of the kind of value, for error messages ("an object").</summary>
    public abstract string KindName { get; }
}
