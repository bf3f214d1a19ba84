using HFedMoE.Model.HuggingFace;
using TorchSharp;
using static TorchSharp.torch;

namespace HFedMoE.Model.Nn.MoeLm;

/// <summary>
/// Mixtral / Qwen3-MoE for causal language modelling (<c>MixtralForCausalLM</c>,
/// <c>Qwen3MoeForCausalLM</c>) as TorchSharp modules. The module tree mirrors Hugging Face's, so
/// parameter names are the checkpoint's tensor names (<c>model.layers.3.mlp.experts.5.up_proj.weight</c>)
/// and loading or exporting is a lookup by name. Computes in float32 whatever the checkpoint's dtype.
/// A client that holds only some experts builds the model with <c>holdsExpert</c>; the others
/// are not allocated at all. Every parameter, and every tensor a forward creates, lives on the
/// model's <see cref="Device"/> (the ids given to <see cref="Forward"/> must be on it too).
/// </summary>
public sealed class MoeCausalLm : nn.Module
{
    private readonly DecoderStack _model;
    private readonly nn.Module<Tensor, Tensor>? _lmHead;

    public MoeCausalLm(HfConfig config, Func<int, int, bool>? holdsExpert = null, Device? device = null)
        : base(nameof(MoeCausalLm))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        Device = device ?? CPU;
        var holds = holdsExpert ?? ((_, _) => true);
        _model = new DecoderStack(config, holds);
        register_module("model", _model);
        if (!config.TieWordEmbeddings)
        {
            _lmHead = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false);
            register_module("lm_head", _lmHead);
        }
        if (Device.type != DeviceType.CPU)
        {
            this.to(Device);
        }
    }

    /// <summary>Where the parameters live and the forward computes.</summary>
    public Device Device { get; }

    public HfConfig Config { get; }

    public IReadOnlyList<MoeDecoderLayer> Layers => _model.DecoderLayers;

    /// <summary>The model with its weights read from <paramref name="checkpoint"/>: only the tensors it holds are read (and paged in).</summary>
    public static MoeCausalLm FromCheckpoint(HfCheckpoint checkpoint, Func<int, int, bool>? holdsExpert = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var model = new MoeCausalLm(checkpoint.Config, holdsExpert);
        model.LoadWeights(checkpoint.ReadInto);
        return model;
    }

    /// <summary>
    /// Overwrites every parameter, <paramref name="readInto"/> decoding each tensor (by Hugging
    /// Face name) into one reused buffer that is then copied into the parameter's memory: no
    /// managed copy of the whole model and no temporary tensors, so loading peaks at the model
    /// plus its largest tensor.
    /// </summary>
    public void LoadWeights(Action<string, Span<float>> readInto)
    {
        ArgumentNullException.ThrowIfNull(readInto);
        using var noGrad = no_grad();
        float[] buffer = [];
        foreach (var (name, parameter) in named_parameters())
        {
            long n = parameter.numel();
            if (buffer.LongLength < n)
            {
                buffer = new float[n];
            }
            var span = buffer.AsSpan(0, checked((int)n));
            readInto(name, span);
            if (Device.type == DeviceType.CPU)
            {
                parameter.bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(span);
            }
            else
            {
                // bytes reaches CPU memory only: stage on the host, then copy to the device.
                using var staged = tensor(span.ToArray(), parameter.shape);
                parameter.copy_(staged);
            }
        }
    }

    /// <summary>Overwrites every parameter from <paramref name="valuesOf"/> (by Hugging Face name, row-major float32).</summary>
    public void LoadWeights(Func<string, float[]> valuesOf)
    {
        ArgumentNullException.ThrowIfNull(valuesOf);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            float[] values = valuesOf(name);
            if (values.LongLength != parameter.numel())
            {
                throw new HfFormatException($"tensor '{name}' has {values.LongLength} values; the model's parameter has shape [{string.Join(", ", parameter.shape)}]");
            }
            using var source = tensor(values, parameter.shape);
            parameter.copy_(source);
        }
    }

    /// <summary>The parameters by Hugging Face name.</summary>
    public IReadOnlyDictionary<string, TorchSharp.Modules.Parameter> ParametersByName() =>
        named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);

    /// <summary>One parameter's values by Hugging Face name, row-major float32.</summary>
    public float[] ReadWeight(string name)
    {
        foreach (var (n, parameter) in named_parameters())
        {
            if (n == name)
            {
                using var cpuCopy = parameter.detach().cpu().contiguous();
                return cpuCopy.data<float>().ToArray();
            }
        }
        throw new KeyNotFoundException($"the model has no parameter '{name}'");
    }

    /// <summary>ids: (B, T) int64 → logits (B, T, V) and the routers' choices.</summary>
    public MoeLmOutput Forward(Tensor ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        long t = ids.shape[1];
        if (ids.device_type != Device.type)
        {
            throw new ArgumentException($"the token ids are on {ids.device}; the model is on {Device}", nameof(ids));
        }
        var (cos, sin) = RotaryEmbedding.Tables(t, Config.HeadDim, Config.RopeTheta, Device);
        var causal = ones(t, t, dtype: ScalarType.Bool, device: Device).triu(1);
        var h = _model.Embed.forward(ids);
        var probs = new List<Tensor>(Config.Layers);
        var top = new List<Tensor>(Config.Layers);
        foreach (var layer in _model.DecoderLayers)
        {
            var (next, p, k) = layer.Forward(h, cos, sin, causal);
            h = next;
            probs.Add(p);
            top.Add(k);
        }
        h = _model.Norm.forward(h);
        var logits = _lmHead is not null ? _lmHead.forward(h) : h.matmul(_model.Embed.weight!.t());
        return new MoeLmOutput(logits, probs, top);
    }

    /// <summary>The <c>model.</c> part: embeddings, decoder layers, final norm.</summary>
    private sealed class DecoderStack : nn.Module
    {
        public DecoderStack(HfConfig config, Func<int, int, bool> holds)
            : base(nameof(DecoderStack))
        {
            Embed = nn.Embedding(config.VocabSize, config.HiddenSize);
            DecoderLayers = [.. Enumerable.Range(0, config.Layers).Select(l => new MoeDecoderLayer(config, e => holds(l, e)))];
            Norm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
            register_module("embed_tokens", Embed);
            register_module("layers", nn.ModuleList([.. DecoderLayers]));
            register_module("norm", Norm);
        }

        public TorchSharp.Modules.Embedding Embed { get; }

        public MoeDecoderLayer[] DecoderLayers { get; }

        public RmsNorm Norm { get; }
    }
}
