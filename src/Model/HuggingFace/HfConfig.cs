using System.Text.Json;
using System.Text.Json.Nodes;

namespace HFedMoE.Model.HuggingFace;

/// <summary>
/// The fields of a Hugging Face <c>config.json</c> that the Mixtral and Qwen3-MoE forwards read,
/// validated. <see cref="Raw"/> keeps the whole document so that an export writes back every
/// key we do not use unchanged.
/// </summary>
public sealed record HfConfig
{
    public required HfArchitecture Architecture { get; init; }
    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }

    /// <summary>An expert's hidden width (Mixtral's <c>intermediate_size</c>, Qwen3-MoE's <c>moe_intermediate_size</c>).</summary>
    public required int ExpertHidden { get; init; }
    public required int Layers { get; init; }
    public required int Heads { get; init; }
    public required int KeyValueHeads { get; init; }
    public required int HeadDim { get; init; }
    public required int Experts { get; init; }
    public required int TopK { get; init; }

    /// <summary>Renormalise the chosen experts' probabilities to sum to 1 (always on for Mixtral).</summary>
    public required bool NormTopKProb { get; init; }
    public required double RmsNormEps { get; init; }
    public required double RopeTheta { get; init; }
    public required bool TieWordEmbeddings { get; init; }

    /// <summary><c>torch_dtype</c> (or <c>dtype</c>): float32, float16 or bfloat16; the dtype an export writes.</summary>
    public required string TorchDtype { get; init; }
    public required JsonObject Raw { get; init; }

    public static HfConfig Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new HfFormatException($"{path}: config.json not found (a Hugging Face model folder needs config.json beside its safetensors)");
        }
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new HfFormatException($"{path}: not valid JSON: {e.Message}", e);
        }
        return Parse(node as JsonObject ?? throw new HfFormatException($"{path}: the top level must be a JSON object"), path);
    }

    public static HfConfig Parse(JsonObject raw, string source = "config.json")
    {
        ArgumentNullException.ThrowIfNull(raw);
        string type = Str(raw, "model_type", source);
        var arch = type switch
        {
            "mixtral" => HfArchitecture.Mixtral,
            "qwen3_moe" => HfArchitecture.Qwen3Moe,
            _ => throw new HfFormatException($"{source}: model_type '{type}' is not supported; supported: mixtral, qwen3_moe"),
        };
        int hidden = Int(raw, "hidden_size", source);
        int heads = Int(raw, "num_attention_heads", source);
        int kv = raw.ContainsKey("num_key_value_heads") && raw["num_key_value_heads"] is not null ? Int(raw, "num_key_value_heads", source) : heads;
        int headDim = raw.ContainsKey("head_dim") && raw["head_dim"] is not null ? Int(raw, "head_dim", source) : hidden / heads;
        if (heads % kv != 0)
        {
            throw new HfFormatException($"{source}: num_attention_heads = {heads} is not a multiple of num_key_value_heads = {kv}");
        }
        if (headDim % 2 != 0)
        {
            throw new HfFormatException($"{source}: head_dim = {headDim} must be even for rotary embeddings");
        }
        int experts = Int(raw, arch == HfArchitecture.Mixtral ? "num_local_experts" : "num_experts", source);
        int topK = Int(raw, "num_experts_per_tok", source);
        if (topK > experts)
        {
            throw new HfFormatException($"{source}: num_experts_per_tok = {topK} exceeds the {experts} experts");
        }
        if (arch == HfArchitecture.Qwen3Moe)
        {
            if (raw["attention_bias"]?.GetValue<bool>() == true)
            {
                throw new HfFormatException($"{source}: attention_bias = true is not supported (Qwen3-MoE checkpoints have none)");
            }
            if (raw["mlp_only_layers"] is JsonArray dense && dense.Count > 0)
            {
                throw new HfFormatException($"{source}: mlp_only_layers = [{string.Join(",", dense)}]: dense layers are not supported, every layer must be sparse");
            }
            if (raw["decoder_sparse_step"] is JsonNode step && step.GetValue<int>() != 1)
            {
                throw new HfFormatException($"{source}: decoder_sparse_step = {step}: only 1 (every layer sparse) is supported");
            }
        }
        string dtype = raw["torch_dtype"]?.GetValue<string>() ?? raw["dtype"]?.GetValue<string>() ?? "float32";
        if (dtype is not ("float32" or "float16" or "bfloat16"))
        {
            throw new HfFormatException($"{source}: torch_dtype '{dtype}' is not supported; expected float32, float16 or bfloat16");
        }
        return new HfConfig
        {
            Architecture = arch,
            VocabSize = Int(raw, "vocab_size", source),
            HiddenSize = hidden,
            ExpertHidden = Int(raw, arch == HfArchitecture.Mixtral ? "intermediate_size" : "moe_intermediate_size", source),
            Layers = Int(raw, "num_hidden_layers", source),
            Heads = heads,
            KeyValueHeads = kv,
            HeadDim = headDim,
            Experts = experts,
            TopK = topK,
            NormTopKProb = arch == HfArchitecture.Mixtral || (raw["norm_topk_prob"]?.GetValue<bool>() ?? false),
            RmsNormEps = Num(raw, "rms_norm_eps", source, 1e-6),
            RopeTheta = Num(raw, "rope_theta", source, 10000.0),
            TieWordEmbeddings = raw["tie_word_embeddings"]?.GetValue<bool>() ?? false,
            TorchDtype = dtype,
            Raw = raw,
        };
    }

    private static string Str(JsonObject o, string key, string source) =>
        o[key] is JsonValue v && v.TryGetValue(out string? s) ? s : throw new HfFormatException($"{source}: key '{key}' (a string) is missing");

    private static int Int(JsonObject o, string key, string source)
    {
        if (o[key] is not JsonValue v || !v.TryGetValue(out int i))
        {
            throw new HfFormatException($"{source}: key '{key}' (a positive integer) is missing or not an integer");
        }
        return i > 0 ? i : throw new HfFormatException($"{source}: key '{key}' = {i}; expected a positive integer");
    }

    private static double Num(JsonObject o, string key, string source, double fallback)
    {
        if (o[key] is null)
        {
            return fallback;
        }
        return o[key] is JsonValue v && v.TryGetValue(out double d) && d > 0 ? d : throw new HfFormatException($"{source}: key '{key}' must be a positive number");
    }
}
