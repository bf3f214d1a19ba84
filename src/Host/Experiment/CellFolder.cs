using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using HFedMoE.Host.Simulation;

namespace HFedMoE.Host.Experiment;

/// <summary>
/// A cell's folder: complete (its <c>cell.json</c> matches the settings and base, and its
/// <c>rounds.json</c> holds every round), partial (anything else there), or absent. A complete
/// cell is reused, so an interrupted experiment resumes where it stopped.
/// </summary>
internal static class CellFolder
{
    public const string RecordFile = "cell.json";

    // NaN metrics (a metric a strategy does not report) must survive the round trip.
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>
    /// A digest of everything that decides a cell's result: its simulate settings (without the
    /// folder and the base's path) and the base checkpoint's bytes.
    /// </summary>
    public static string Fingerprint(SimulationSettings settings, string baseDigest)
    {
        ArgumentNullException.ThrowIfNull(settings);
        string json = JsonSerializer.Serialize(settings with { DataDir = "", BasePath = null });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json + "\n" + baseDigest)));
    }

    public static string FileDigest(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>The cell's record if the folder holds a complete run with <paramref name="fingerprint"/>; otherwise null.</summary>
    public static CellRecord? Complete(string directory, string fingerprint, int rounds)
    {
        string path = Path.Combine(directory, RecordFile);
        if (!File.Exists(path) || !File.Exists(Path.Combine(directory, "rounds.json")))
        {
            return null;
        }
        try
        {
            var record = JsonSerializer.Deserialize<CellRecord>(File.ReadAllText(path), Json);
            return record is not null && record.Fingerprint == fingerprint && record.Rounds.Count == rounds && RoundsFileHas(directory, rounds)
                ? record
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Whether the folder exists and holds anything (a partial or stale run).</summary>
    public static bool HasContent(string directory) =>
        Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any();

    /// <summary>Writes <c>cell.json</c> atomically, so a cell killed while writing it counts as partial.</summary>
    public static void Write(string directory, CellRecord record)
    {
        string path = Path.Combine(directory, RecordFile);
        string temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(record, Json));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Deletes the finished cell's update spool (the bulk of its bytes).</summary>
    public static void DropSpool(string directory)
    {
        string spool = Path.Combine(directory, "spool");
        if (Directory.Exists(spool))
        {
            Directory.Delete(spool, recursive: true);
        }
    }

    private static bool RoundsFileHas(string directory, int rounds)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "rounds.json")));
        return doc.RootElement.ValueKind == JsonValueKind.Array && doc.RootElement.GetArrayLength() == rounds;
    }
}
