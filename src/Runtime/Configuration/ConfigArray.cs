namespace HFedMoE.Runtime.Configuration;

/// <summary>An array of values.</summary>
internal sealed class ConfigArray : ConfigNode
{
    public ConfigArray(ConfigOrigin origin, IReadOnlyList<ConfigNode> items) : base(origin)
    {
        Items = items;
        IsResolved = items.All(i => i.IsResolved);
    }

    public IReadOnlyList<ConfigNode> Items { get; }

    public override bool IsResolved { get; }

    public override string KindName => "an array";
}
