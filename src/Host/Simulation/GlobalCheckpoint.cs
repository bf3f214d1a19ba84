using System.Globalization;
using System.Text.Json;
using HFedMoE.Model.Checkpoints;
using HFedMoE.Model.Federated;
using HFedMoE.Model.Nn;

namespace HFedMoE.Host.Simulation;

/// <summary>
/// <c>global.safetensors</c>: the global model after the last committed round, rewritten after
/// every commit. The writer goes through a temporary file, flushed to disk and renamed over the
/// old one, so a crash leaves the previous round's checkpoint or this one, never a torn file.
/// The metadata names the round, the model version and the digest the journal recorded.
/// </summary>
internal sealed class GlobalCheckpoint
{
    public const string FileName = "global.safetensors";
    private readonly ParameterStore _store;
    private readonly string _modelConfig;

    public GlobalCheckpoint(string dataDir, ModelConfig model)
    {
        ArgumentNullException.ThrowIfNull(dataDir);
        ArgumentNullException.ThrowIfNull(model);
        Path = System.IO.Path.Combine(dataDir, FileName);
        _store = new ParameterStore(ModelLayout.Of(model));
        _modelConfig = JsonSerializer.Serialize(model);
    }

    public string Path { get; }

    public void Write(int round, GlobalModel model, string digest)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.CopyTo(_store);
        ModelCheckpoint.Save(Path, _store, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["round"] = round.ToString(CultureInfo.InvariantCulture),
            ["model_version"] = model.Version.ToString(CultureInfo.InvariantCulture),
            ["model_digest"] = digest,
            ["model_config"] = _modelConfig,
        });
    }

    /// <summary>The round and digest recorded in an existing checkpoint, or null when there is none.</summary>
    public (int Round, string Digest)? Recorded()
    {
        if (!File.Exists(Path))
        {
            return null;
        }
        var metadata = SafeTensorsReader.Read(Path).Metadata;
        return metadata.TryGetValue("round", out string? round) && metadata.TryGetValue("model_digest", out string? digest)
            ? (int.Parse(round, CultureInfo.InvariantCulture), digest)
            : null;
    }
}
