namespace HFedMoE.Model.HuggingFace;

/// <summary>
/// Every tensor a Mixtral or Qwen3-MoE checkpoint of a given <see cref="HfConfig"/> must hold,
/// in the order the modules declare them, with their shapes and their federated names.
/// Shapes follow <c>nn.Linear</c>: a weight is [out, in].
/// </summary>
public sealed class HfTensorLayout
{
    private readonly Dictionary<string, HfTensorSpec> _byHf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HfTensorSpec> _byFederated = new(StringComparer.Ordinal);

    public HfTensorLayout(HfConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        var list = new List<HfTensorSpec>();
        int h = config.HiddenSize, d = config.HeadDim, i = config.ExpertHidden;
        void Shared(string name, params int[] shape) => list.Add(new HfTensorSpec(name, shape, name, -1, -1));
        Shared("model.embed_tokens.weight", config.VocabSize, h);
        bool mixtral = config.Architecture == HfArchitecture.Mixtral;
        for (int l = 0; l < config.Layers; l++)
        {
            string p = $"model.layers.{l}.";
            Shared(p + "input_layernorm.weight", h);
            Shared(p + "self_attn.q_proj.weight", config.Heads * d, h);
            Shared(p + "self_attn.k_proj.weight", config.KeyValueHeads * d, h);
            Shared(p + "self_attn.v_proj.weight", config.KeyValueHeads * d, h);
            Shared(p + "self_attn.o_proj.weight", h, config.Heads * d);
            if (!mixtral)
            {
                Shared(p + "self_attn.q_norm.weight", d);
                Shared(p + "self_attn.k_norm.weight", d);
            }
            Shared(p + "post_attention_layernorm.weight", h);
            string moe = p + (mixtral ? "block_sparse_moe." : "mlp.");
            list.Add(new HfTensorSpec(moe + "gate.weight", [config.Experts, h], $"layers.{l}.moe.router", l, -1));
            for (int e = 0; e < config.Experts; e++)
            {
                foreach (var (part, shape) in ExpertParts(mixtral, h, i))
                {
                    list.Add(new HfTensorSpec($"{moe}experts.{e}.{part}.weight", shape, $"layers.{l}.moe.experts.{e}.{part}", l, e));
                }
            }
        }
        Shared("model.norm.weight", h);
        if (!config.TieWordEmbeddings)
        {
            Shared("lm_head.weight", config.VocabSize, h);
        }
        foreach (var s in list)
        {
            _byHf[s.HfName] = s;
            _byFederated[s.FederatedName] = s;
        }
        Tensors = list;
    }

    public HfConfig Config { get; }

    public IReadOnlyList<HfTensorSpec> Tensors { get; }

    /// <summary>Elements over every tensor: the model's parameter count.</summary>
    public long Elements => Tensors.Sum(t => t.Elements);

    public bool TryGetByHfName(string name, out HfTensorSpec spec) => _byHf.TryGetValue(name, out spec!);

    public HfTensorSpec ByFederatedName(string name) =>
        _byFederated.TryGetValue(name, out var s) ? s : throw new KeyNotFoundException($"no tensor with federated name '{name}' in this {Config.Architecture} layout");

    /// <summary>The expert projections in module order: (gate, up, down) as (w1, w3, w2) for Mixtral.</summary>
    public static IEnumerable<(string Part, int[] Shape)> ExpertParts(bool mixtral, int hidden, int expertHidden) =>
        mixtral
            ? [("w1", [expertHidden, hidden]), ("w2", [hidden, expertHidden]), ("w3", [expertHidden, hidden])]
            : [("gate_proj", [expertHidden, hidden]), ("up_proj", [expertHidden, hidden]), ("down_proj", [hidden, expertHidden])];

    /// <summary>The tensors a client holding only <paramref name="experts"/> (per layer, by index) loads: the shared ones, the gates, and those experts.</summary>
    public IEnumerable<HfTensorSpec> Subset(Func<int, int, bool> holdsExpert) =>
        Tensors.Where(t => !t.IsExpert || holdsExpert(t.Layer, t.Expert));
}
