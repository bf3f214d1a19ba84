using System.Text.Json.Nodes;
using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.HuggingFace;

/// <summary>
/// Small random models in the Hugging Face layouts, for tests, the parity reference and the
/// federated demo: by default 2 layers, 4 experts, hidden 64, 4 query heads over 2 key-value
/// heads. Weights are drawn from a fixed seed; norm weights are drawn around 1 so that a
/// forward that ignored them would show.
/// </summary>
public static class TinyHfCheckpoint
{
    public static HfConfig Config(HfArchitecture architecture, int vocab = 256, int layers = 2, int experts = 4, int topK = 2, int hidden = 64, int expertHidden = 32, int heads = 4, int kvHeads = 2, int? headDim = null, bool normTopKProb = true, bool tieEmbeddings = false, string torchDtype = "float32")
    {
        var raw = new JsonObject
        {
            ["architectures"] = new JsonArray(architecture == HfArchitecture.Mixtral ? "MixtralForCausalLM" : "Qwen3MoeForCausalLM"),
            ["model_type"] = architecture == HfArchitecture.Mixtral ? "mixtral" : "qwen3_moe",
            ["vocab_size"] = vocab,
            ["hidden_size"] = hidden,
            ["num_hidden_layers"] = layers,
            ["num_attention_heads"] = heads,
            ["num_key_value_heads"] = kvHeads,
            ["num_experts_per_tok"] = topK,
            ["rms_norm_eps"] = 1e-6,
            ["rope_theta"] = 10000.0,
            ["max_position_embeddings"] = 512,
            ["tie_word_embeddings"] = tieEmbeddings,
            ["hidden_act"] = "silu",
            ["torch_dtype"] = torchDtype,
        };
        if (architecture == HfArchitecture.Mixtral)
        {
            raw["num_local_experts"] = experts;
            raw["intermediate_size"] = expertHidden;
            if (headDim is int hd)
            {
                raw["head_dim"] = hd;
            }
        }
        else
        {
            raw["num_experts"] = experts;
            raw["moe_intermediate_size"] = expertHidden;
            raw["intermediate_size"] = expertHidden * 2;
            raw["head_dim"] = headDim ?? hidden / heads;
            raw["norm_topk_prob"] = normTopKProb;
            raw["decoder_sparse_step"] = 1;
            raw["mlp_only_layers"] = new JsonArray();
            raw["attention_bias"] = false;
        }
        return HfConfig.Parse(raw, "tiny config");
    }

    /// <summary>Random weights for every tensor of <paramref name="config"/>'s layout, by Hugging Face name.</summary>
    public static Dictionary<string, float[]> RandomWeights(HfConfig config, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(config);
        var random = new DeterministicRandom(seed);
        var weights = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var spec in new HfTensorLayout(config).Tensors)
        {
            var values = new float[spec.Elements];
            if (spec.Shape.Length == 1)
            {
                random.FillUniform(values, 0.8f, 1.2f);
            }
            else
            {
                // std 1/√fan-in keeps activations of order 1 through the layers; embeddings get 1.
                float std = spec.HfName.Contains("embed_tokens", StringComparison.Ordinal) ? 1f : 1f / MathF.Sqrt(spec.Shape[1]);
                random.FillNormal(values, 0f, std);
            }
            weights[spec.HfName] = values;
        }
        return weights;
    }

    /// <summary>Writes a random model to <paramref name="folder"/>; shards when <paramref name="maxShardBytes"/> is small.</summary>
    public static HfConfig Write(string folder, HfConfig config, ulong seed, long maxShardBytes = 5L << 30, string? dtype = null)
    {
        var weights = RandomWeights(config, seed);
        HfCheckpointWriter.Write(folder, config, name => weights[name], dtype, maxShardBytes);
        return config;
    }
}
