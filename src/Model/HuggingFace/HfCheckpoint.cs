using System.Text.Json;

namespace HFedMoE.Model.HuggingFace;

/// <summary>
/// A local Hugging Face model folder opened for reading: <c>config.json</c>, and either
/// <c>model.safetensors</c> or shards <c>model-0000N-of-0000M.safetensors</c> listed in
/// <c>model.safetensors.index.json</c>. Opening checks everything but reads no weights: every
/// tensor the layout needs must be present with its shape and a F32, F16 or BF16 dtype, no
/// unknown tensor may be present, every shard must exist. Weights are read lazily from
/// memory-mapped files, as float32, one tensor at a time (<see cref="Read"/>), so a client that
/// reads only the shared tensors and its own experts never pages in the others.
/// </summary>
public sealed class HfCheckpoint : IDisposable
{
    public const string IndexFile = "model.safetensors.index.json";
    public const string SingleFile = "model.safetensors";

    /// <summary>Files besides the weights that an export copies unchanged (the tokenizer and generation settings).</summary>
    public static readonly IReadOnlyList<string> CompanionFiles =
    [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json",
        "vocab.json", "merges.txt", "tokenizer.model", "chat_template.jinja", "added_tokens.json",
    ];

    private readonly Dictionary<string, (SafeTensorsShard Shard, SafeTensorsShard.Entry Entry)> _tensors;
    private readonly List<SafeTensorsShard> _shards;

    private HfCheckpoint(string folder, HfConfig config, HfTensorLayout layout, List<SafeTensorsShard> shards, Dictionary<string, (SafeTensorsShard, SafeTensorsShard.Entry)> tensors)
    {
        Folder = folder;
        Config = config;
        Layout = layout;
        _shards = shards;
        _tensors = tensors;
    }

    public string Folder { get; }

    public HfConfig Config { get; }

    public HfTensorLayout Layout { get; }

    /// <summary>The weight files, in the order of the index (one entry for a single-file checkpoint).</summary>
    public IReadOnlyList<string> ShardFiles => [.. _shards.Select(s => Path.GetFileName(s.Path))];

    /// <summary>The safetensors dtype the checkpoint stores <paramref name="hfName"/> in.</summary>
    public string DtypeOf(string hfName) => Lookup(hfName).Entry.Dtype;

    /// <summary>Bytes of every weight file together.</summary>
    public long WeightBytes => _shards.Sum(s => new FileInfo(s.Path).Length);

    public static HfCheckpoint Open(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
        {
            throw new HfFormatException($"{folder}: model folder not found");
        }
        var config = HfConfig.Load(Path.Combine(folder, "config.json"));
        var layout = new HfTensorLayout(config);
        var shards = new List<SafeTensorsShard>();
        var tensors = new Dictionary<string, (SafeTensorsShard, SafeTensorsShard.Entry)>(StringComparer.Ordinal);
        try
        {
            string index = Path.Combine(folder, IndexFile);
            Dictionary<string, string> weightMap;
            if (File.Exists(index))
            {
                weightMap = ReadIndex(index);
            }
            else if (File.Exists(Path.Combine(folder, SingleFile)))
            {
                weightMap = [];
            }
            else
            {
                throw new HfFormatException($"{folder}: neither {SingleFile} nor {IndexFile} found");
            }
            var byFile = new Dictionary<string, SafeTensorsShard>(StringComparer.Ordinal);
            IEnumerable<string> files = weightMap.Count == 0 ? [SingleFile] : weightMap.Values.Distinct().Order(StringComparer.Ordinal);
            foreach (string file in files)
            {
                string path = Path.Combine(folder, file);
                if (!File.Exists(path))
                {
                    string first = weightMap.First(p => p.Value == file).Key;
                    throw new HfFormatException($"{path}: shard missing; {IndexFile} places tensor '{first}' (and {weightMap.Count(p => p.Value == file) - 1} others) in it");
                }
                var shard = SafeTensorsShard.Open(path);
                shards.Add(shard);
                byFile[file] = shard;
            }
            foreach (var shard in shards)
            {
                string file = Path.GetFileName(shard.Path);
                foreach (var (name, entry) in shard.Entries)
                {
                    if (name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal))
                    {
                        continue; // a buffer older exports saved; it is recomputed from rope_theta
                    }
                    if (weightMap.Count > 0 && weightMap.TryGetValue(name, out string? mapped) && mapped != file)
                    {
                        throw new HfFormatException($"{shard.Path}: tensor '{name}' is here but {IndexFile} places it in {mapped}");
                    }
                    if (!tensors.TryAdd(name, (shard, entry)))
                    {
                        throw new HfFormatException($"{shard.Path}: tensor '{name}' is stored twice (also in {tensors[name].Item1.Path})");
                    }
                }
            }
            foreach (var spec in layout.Tensors)
            {
                if (!tensors.TryGetValue(spec.HfName, out var found))
                {
                    string where = weightMap.TryGetValue(spec.HfName, out string? file) ? $" ({IndexFile} places it in {file})" : "";
                    throw new HfFormatException($"{folder}: tensor '{spec.HfName}' [{string.Join(", ", spec.Shape)}] is missing{where}; a {config.Architecture} checkpoint of this config.json needs it");
                }
                var entry = found.Item2;
                if (!entry.Shape.SequenceEqual(spec.Shape))
                {
                    throw new HfFormatException($"{found.Item1.Path}: tensor '{spec.HfName}' has shape [{string.Join(", ", entry.Shape)}]; config.json implies [{string.Join(", ", spec.Shape)}]");
                }
                if (entry.Dtype is not (HfDtype.F32 or HfDtype.F16 or HfDtype.BF16))
                {
                    throw new HfFormatException($"{found.Item1.Path}: tensor '{spec.HfName}' has dtype {entry.Dtype}; supported: F32, F16, BF16");
                }
            }
            foreach (string name in tensors.Keys)
            {
                if (!layout.TryGetByHfName(name, out _))
                {
                    throw new HfFormatException($"{tensors[name].Item1.Path}: tensor '{name}' is not part of a {config.Architecture} model of this config.json (unknown architecture variant?)");
                }
            }
        }
        catch
        {
            foreach (var s in shards)
            {
                s.Dispose();
            }
            throw;
        }
        return new HfCheckpoint(folder, config, layout, shards, tensors);
    }

    /// <summary>The tensor as float32, row-major, in a new array.</summary>
    public float[] Read(string hfName)
    {
        var (_, entry) = Lookup(hfName);
        var values = new float[entry.Shape.Aggregate(1L, (a, b) => a * b)];
        ReadInto(hfName, values);
        return values;
    }

    public void ReadInto(string hfName, Span<float> destination)
    {
        var (shard, entry) = Lookup(hfName);
        long elements = entry.Shape.Aggregate(1L, (a, b) => a * b);
        if (destination.Length != elements)
        {
            throw new ArgumentException($"tensor '{hfName}' has {elements} elements; the destination holds {destination.Length}", nameof(destination));
        }
        HfDtype.Decode(entry.Dtype, shard.Bytes(entry), destination);
    }

    public void Dispose()
    {
        foreach (var s in _shards)
        {
            s.Dispose();
        }
    }

    private (SafeTensorsShard Shard, SafeTensorsShard.Entry Entry) Lookup(string hfName) =>
        _tensors.TryGetValue(hfName, out var t) ? t : throw new KeyNotFoundException($"no tensor '{hfName}' in {Folder}");

    private static Dictionary<string, string> ReadIndex(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new HfFormatException($"{path}: no 'weight_map' object");
            }
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in map.EnumerateObject())
            {
                string file = p.Value.GetString() ?? throw new HfFormatException($"{path}: weight_map entry '{p.Name}' is not a file name");
                if (file.Contains('/', StringComparison.Ordinal) || file.Contains('\\', StringComparison.Ordinal) || file.StartsWith('.'))
                {
                    throw new HfFormatException($"{path}: weight_map places '{p.Name}' in '{file}', outside the model folder");
                }
                result[p.Name] = file;
            }
            return result;
        }
        catch (JsonException e)
        {
            throw new HfFormatException($"{path}: not valid JSON: {e.Message}", e);
        }
    }
}
