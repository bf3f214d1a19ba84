namespace HFedMoE.Runtime.Configuration;

/// <summary>
/// Values written next to each other on one line (<c>hello world</c>, <c>${a} [3]</c>,
/// <c>${base} { x = 1 }</c>); joined once substitutions are resolved.
/// </summary>
internal sealed class ConfigConcatenation : ConfigNode
{
    public ConfigConcatenation(ConfigOrigin origin, IReadOnlyList<ConfigNode> parts) : base(origin) => Parts = parts;

    public IReadOnlyList<ConfigNode> Parts { get; }

    public override bool IsResolved => false;

    public override string KindName => "a concatenation";
}
