namespace HFedMoE.Runtime.Configuration;

/// <summary>Entry points: parse HOCON text or files, load the embedded reference configuration.</summary>
public static class ConfigurationFactory
{
    private const string ReferenceResource = "HFedMoE.reference.conf";
    private const string ReferenceOrigin = "reference.conf (embedded)";

    /// <summary>
    /// Parses and resolves <paramref name="hocon"/>. <paramref name="origin"/> names the text in
    /// error messages; relative includes are looked up in the current directory.
    /// </summary>
    public static Config ParseString(string hocon, string? origin = null)
    {
        ArgumentNullException.ThrowIfNull(hocon);
        var root = HoconParser.Parse(hocon, origin ?? "<string>", Directory.GetCurrentDirectory());
        return new Config(SubstitutionResolver.Resolve(root));
    }

    /// <summary>Parses and resolves a file; its includes are relative to the file's folder.</summary>
    public static Config ParseFile(string path) => new(SubstitutionResolver.Resolve(ParseFileUnresolved(path)));

    /// <summary>The reference configuration embedded in HFedMoE.Runtime (every key with its default).</summary>
    public static Config Reference() => new(SubstitutionResolver.Resolve(ParseReferenceUnresolved()));

    /// <summary>
    /// The user file (if any) layered over <see cref="Reference"/>. Substitutions are resolved
    /// after layering, so the user file may refer to reference keys (<c>${hfedmoe...}</c>) and
    /// extend them (<c>list = ${list} [more]</c>).
    /// </summary>
    public static Config Load(string? userFile = null)
    {
        var reference = ParseReferenceUnresolved();
        if (userFile is null)
        {
            return new Config(SubstitutionResolver.Resolve(reference));
        }

        return Layer(ParseFileUnresolved(userFile), reference);
    }

    /// <summary>
    /// Merges two unresolved trees and only then resolves, so substitutions in
    /// <paramref name="user"/> can see (and self-references can extend) values from
    /// <paramref name="fallback"/>.
    /// </summary>
    internal static Config Layer(ConfigObject user, ConfigObject fallback) =>
        new(SubstitutionResolver.Resolve((ConfigObject)ConfigMerger.Merge(user, fallback)));

    private static ConfigObject ParseFileUnresolved(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new ConfigurationException($"configuration file \"{path}\" not found (looked for {fullPath})", path, 0, 0);
        }

        return HoconParser.Parse(File.ReadAllText(fullPath), path, Path.GetDirectoryName(fullPath)!, [fullPath]);
    }

    private static ConfigObject ParseReferenceUnresolved()
    {
        using var stream = typeof(Config).Assembly.GetManifestResourceStream(ReferenceResource)
            ?? throw new ConfigurationException($"embedded resource {ReferenceResource} is missing from {typeof(Config).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return HoconParser.Parse(reader.ReadToEnd(), ReferenceOrigin, Directory.GetCurrentDirectory());
    }
}
