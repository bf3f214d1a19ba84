namespace HFedMoE.Runtime.Configuration;

/// <summary>
/// Two values for the same key where at least one still contains substitutions, so whether
/// they merge (both objects) or the newer replaces the older can only be decided after
/// resolution.
/// </summary>
internal sealed class ConfigDelayedMerge : ConfigNode
{
    public ConfigDelayedMerge(ConfigNode newer, ConfigNode older) : base(newer.Origin)
    {
        Newer = newer;
        Older = older;
    }

    public ConfigNode Newer { get; }

    public ConfigNode Older { get; }

    public override bool IsResolved => false;

    public override string KindName => "a merge";
}
