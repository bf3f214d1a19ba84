namespace HFedMoE.Runtime.Configuration;

/// <summary>Where a piece of configuration text came from, for error messages.</summary>
internal readonly record struct ConfigOrigin(string Name, int Line, int Column)
{
    public static ConfigOrigin None { get; } = new("<unknown>", 0, 0);

    public override string ToString() => Line > 0 ? $"{Name}:{Line}:{Column}" : Name;
}
