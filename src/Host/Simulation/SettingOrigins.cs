using Akka.Configuration;

namespace HFedMoE.Host.Simulation;

/// <summary>
/// Where each simulate setting came from, so that an error names what the user wrote: the
/// command-line option (<c>--rounds</c>) for a value given there, the HOCON key and its file
/// (<c>hfedmoe.simulate.rounds ... (from my.conf)</c>) for a value from a config file or
/// reference.conf.
/// </summary>
internal sealed class SettingOrigins
{
    public const string Reference = "reference.conf";

    /// <summary>Key (relative to <see cref="SimulationSettings.ConfigPath"/>) → the file it came from; absent: the command line.</summary>
    private readonly Dictionary<string, string> _files;

    private SettingOrigins(Dictionary<string, string> files) => _files = files;

    /// <summary>Every setting named by its command-line option (settings built in code, or all given on the command line).</summary>
    public static SettingOrigins CommandLine { get; } = new(new Dictionary<string, string>(StringComparer.Ordinal));

    /// <summary>
    /// The origins of settings read from <paramref name="configFile"/> layered over reference.conf,
    /// with the keys in <paramref name="fromCommandLine"/> overridden on the command line.
    /// </summary>
    public static SettingOrigins Of(string? configFile, IReadOnlySet<string> fromCommandLine)
    {
        ArgumentNullException.ThrowIfNull(fromCommandLine);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        // Load checked the file already (HfedmoeConfig.Load); parsed alone, it says which keys it sets.
        var userOnly = configFile is null ? null : ConfigurationFactory.ParseString(File.ReadAllText(configFile));
        string name = configFile is null ? Reference : System.IO.Path.GetFileName(configFile);
        foreach (var key in SimulationKey.All)
        {
            if (fromCommandLine.Contains(key.Key))
            {
                continue;
            }
            files[key.Key] = userOnly is not null && userOnly.HasPath(key.Path) ? name : Reference;
        }
        return new SettingOrigins(files);
    }

    /// <summary>What to call the setting: its option if the command line gave it, else its HOCON key.</summary>
    public string Name(string key)
    {
        var k = SimulationKey.Named(key);
        return _files.ContainsKey(key) || k.Option is null ? k.Path : k.Option;
    }

    /// <summary><c>" (from my.conf)"</c> for a value from a file, empty for the command line.</summary>
    public string Source(string key) => _files.TryGetValue(key, out string? file) ? $" (from {file})" : "";
}
