namespace HFedMoE.Runtime.Configuration;

/// <summary>
/// Layers one value over another: objects merge key by key (recursively), anything else in
/// the newer layer replaces the older one. Used for duplicate keys while parsing, for
/// <see cref="Config.WithFallback"/> and for user-over-reference layering. Never changes its
/// inputs; returns new objects where a merge happens.
/// </summary>
internal static class ConfigMerger
{
    public static ConfigNode Merge(ConfigNode newer, ConfigNode older)
    {
        if (HasSelfReference(newer))
        {
            // `a = ${a} [x]`: the self-reference means exactly the value being overridden.
            return ReplaceSelfReferences(newer, older);
        }

        return (newer, older) switch
        {
            (ConfigObject n, ConfigObject o) => MergeObjects(n, o),
            (ConfigScalar or ConfigArray, _) when newer.IsResolved => newer,
            (ConfigObject, _) when older.IsResolved => newer,
            _ => new ConfigDelayedMerge(newer, older),
        };
    }

    private static ConfigObject MergeObjects(ConfigObject newer, ConfigObject older)
    {
        var result = new ConfigObject(newer.Origin);
        foreach (var (key, value) in older.Fields)
        {
            result.Set(key, newer.TryGet(key, out var n) ? Merge(n, value) : value);
        }

        foreach (var (key, value) in newer.Fields)
        {
            if (older.Get(key) is null)
            {
                result.Set(key, value);
            }
        }

        return result;
    }

    private static bool HasSelfReference(ConfigNode node) => node switch
    {
        ConfigSubstitution s => s.IsSelfReference,
        ConfigConcatenation c => c.Parts.Any(p => p is ConfigSubstitution { IsSelfReference: true }),
        _ => false,
    };

    private static ConfigNode ReplaceSelfReferences(ConfigNode node, ConfigNode older) => node switch
    {
        ConfigSubstitution { IsSelfReference: true } => older,
        ConfigConcatenation c => new ConfigConcatenation(
            c.Origin,
            c.Parts.Select(p => p is ConfigSubstitution { IsSelfReference: true } ? older : p).ToList()),
        _ => node,
    };
}
