using System.Globalization;
using System.Text;
using System.Text.Json;
using HFedMoE.Actors.Rounds;

namespace HFedMoE.Host.Simulation;

/// <summary>
/// The data folder of one <c>hfedmoe simulate</c> run: <c>settings.json</c> (written first, so
/// that any later crash leaves a folder that can be resumed), the base checkpoint, the journal,
/// the update spool, <c>global.safetensors</c> and <c>rounds.csv/json</c>.
/// </summary>
internal sealed class RunFolder
{
    private static readonly JsonSerializerOptions SettingsJson = new() { WriteIndented = true };

    public RunFolder(string dataDir)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDir);
        Path = System.IO.Path.GetFullPath(dataDir);
    }

    public string Path { get; }

    public string SettingsPath => System.IO.Path.Combine(Path, Simulator.SettingsFile);

    public string JournalPath => System.IO.Path.Combine(Path, Simulator.JournalFile);

    public string BasePath => System.IO.Path.Combine(Path, Simulator.BaseFile);

    public string SpoolPath => System.IO.Path.Combine(Path, "spool");

    /// <summary>The round manager's settings that change results (hfedmoe.rounds; the deadline and snapshots do not count).</summary>
    public string RoundRulesPath => System.IO.Path.Combine(Path, "round-rules.json");

    /// <summary>A run was started here (its settings or its journal exist).</summary>
    public bool HoldsRun => File.Exists(SettingsPath) || File.Exists(JournalPath);

    /// <summary>
    /// Takes the folder for this process (creating it): an exclusive lock on <c>run.lock</c>,
    /// released when the returned handle is disposed or the process dies, kill -9 included, so
    /// a second simulate can never write the same journal while the first still runs.
    /// </summary>
    /// <exception cref="ResumeRefusedException">Another process holds the folder.</exception>
    public IDisposable Lock()
    {
        Directory.CreateDirectory(Path);
        string path = System.IO.Path.Combine(Path, "run.lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new ResumeRefusedException($"{Path} is in use by another hfedmoe simulate ({path} is locked); wait for it to finish or stop it, or choose another --data-dir", e);
        }
    }

    /// <summary>The settings the run was started with, or null for a folder without a run.</summary>
    /// <exception cref="ResumeRefusedException">A journal without settings, or unreadable settings.</exception>
    public SimulationSettings? ReadSettings()
    {
        if (!File.Exists(SettingsPath))
        {
            return File.Exists(JournalPath)
                ? throw new ResumeRefusedException($"{Path} holds {Simulator.JournalFile} but no {Simulator.SettingsFile}, so it is not a hfedmoe simulate run that can be resumed; choose another --data-dir, or delete {Path} to start over")
                : null;
        }
        try
        {
            return JsonSerializer.Deserialize<SimulationSettings>(File.ReadAllText(SettingsPath))
                ?? throw new JsonException("the file holds null");
        }
        catch (JsonException e)
        {
            throw new ResumeRefusedException($"{SettingsPath} is unreadable ({e.Message}); choose another --data-dir, or delete {Path} to start over", e);
        }
    }

    /// <summary>Writes the settings through a temporary file, flushed and renamed into place.</summary>
    public void WriteSettings(SimulationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        WriteAtomically(SettingsPath, JsonSerializer.Serialize(settings, SettingsJson));
    }

    private void WriteAtomically(string path, string text)
    {
        Directory.CreateDirectory(Path);
        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(Encoding.UTF8.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The result-affecting <c>hfedmoe.rounds</c> keys of <paramref name="rules"/> as text, by full HOCON path.</summary>
    public static IReadOnlyDictionary<string, string> RoundRules(RoundSettings rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var inv = CultureInfo.InvariantCulture;
        return new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            [$"{RoundSettings.ConfigPath}.min-clients"] = rules.MinClients.ToString(inv),
            [$"{RoundSettings.ConfigPath}.sample-fraction"] = rules.SampleFraction.ToString("R", inv),
            [$"{RoundSettings.ConfigPath}.seed"] = rules.Seed.ToString(inv),
            [$"{RoundSettings.ConfigPath}.on-quorum-missed"] = rules.OnQuorumMissed == QuorumPolicy.Extend ? "extend" : "close-incomplete",
            [$"{RoundSettings.ConfigPath}.max-extensions"] = rules.MaxExtensions.ToString(inv),
        };
    }

    /// <summary>The round rules the run was started with, or null (none stored: a run from before they were).</summary>
    public IReadOnlyDictionary<string, string>? ReadRoundRules()
    {
        if (!File.Exists(RoundRulesPath))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(RoundRulesPath));
        }
        catch (JsonException e)
        {
            throw new ResumeRefusedException($"{RoundRulesPath} is unreadable ({e.Message}); choose another --data-dir, or delete {Path} to start over", e);
        }
    }

    public void WriteRoundRules(IReadOnlyDictionary<string, string> rules) => WriteAtomically(RoundRulesPath, JsonSerializer.Serialize(rules, SettingsJson));

    /// <summary>One line per round rule that differs, as <see cref="Differences"/>.</summary>
    public IReadOnlyList<string> Differences(IReadOnlyDictionary<string, string> stored, IReadOnlyDictionary<string, string> now)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(now);
        return [.. now
            .Where(kv => stored.TryGetValue(kv.Key, out string? was) && was != kv.Value)
            .Select(kv => Difference(kv.Key, stored[kv.Key], kv.Value))];
    }

    /// <summary>
    /// <paramref name="stored"/> with a base pre-trained into the run's own folder pointing at
    /// this folder's copy, so that a run folder that was moved or copied still resumes.
    /// </summary>
    public SimulationSettings Relocated(SimulationSettings stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (stored.BasePath is not { } path || System.IO.Path.GetFileName(path) != Simulator.BaseFile)
        {
            return stored;
        }
        string? directory = System.IO.Path.GetDirectoryName(path);
        bool own = directory == Path || directory == System.IO.Path.GetFullPath(stored.DataDir);
        return own ? stored with { BasePath = BasePath } : stored;
    }

    /// <summary>
    /// One line per setting that affects results and differs between the stored run and this
    /// invocation, naming the HOCON key, both values and the way out.
    /// </summary>
    public IReadOnlyList<string> Differences(SimulationSettings stored, SimulationSettings now)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(now);
        return [.. SimulationKey.All
            .Where(k => k.AffectsResults && k.Text(stored) != k.Text(now))
            .Select(k => Difference(k.Path, k.Text(stored), k.Text(now)))];
    }

    private string Difference(string key, string was, string now) =>
        $"{key}: the run in {Path} used {Shown(was)}, now {Shown(now)}; use a new --data-dir or the same settings (or delete {Path} to start over)";

    /// <summary>Temporary files a killed writer left in the folder itself (checkpoints, settings, metrics; the spool's are not ours).</summary>
    public void RemoveTemporaryFiles()
    {
        if (!Directory.Exists(Path))
        {
            return;
        }
        foreach (string file in Directory.EnumerateFiles(Path, "*.tmp"))
        {
            File.Delete(file);
        }
    }

    private static string Shown(string value) => value.Length == 0 ? "none" : value;
}
