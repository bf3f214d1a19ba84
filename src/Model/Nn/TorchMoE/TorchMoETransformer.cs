using HFedMoE.Model.Checkpoints;
using HFedMoE.Model.Federated;
using HFedMoE.Model.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace HFedMoE.Model.Nn.TorchMoE;

/// <summary>
/// The project's MoE transformer as TorchSharp modules on
/// libtorch: embeddings + positions → L × [optional pre-LN attention, pre-LN MoE] → final LN,
/// then mean-pool → <c>head</c> (classification) or per-token <c>lm_head</c> at the targeted
/// positions (masked-token pre-training). The module tree gives every parameter its stable name
/// (<see cref="ParameterNames"/>: <c>layers.1.moe.experts.5.w1</c>) and (in, out) shape, so
/// <see cref="ParameterStore"/>, <see cref="GlobalModel"/>, checkpoints and the aggregators
/// address it unchanged. Seeded initial weights come from <see cref="ParameterInit"/>.
///
/// Training protocol: <see cref="Loss"/> runs the forward and keeps its
/// graph, the caller reads the routing (<see cref="SampleGateProbabilities"/>,
/// <see cref="RoutedExperts"/>) and chooses the experts to freeze, and <see cref="Backward"/>
/// back-propagates that same pass (gradients in each parameter's <c>grad</c>; an expert that is
/// frozen or got no token has none). A frozen expert gets no weight gradient, runs no backward
/// GEMM and passes no gradient to its input; the router still learns through its gate
/// (<see cref="ExpertGradientGate"/>). Backward may be repeated with another mask on the same pass.
/// Not thread-safe; one model per training thread.
///
/// Every Scalar handed to libtorch on the training path is held (a field, or a <c>using</c>
/// local), never converted from a number on the fly, and the overloads that convert one inside
/// TorchSharp (<c>a + b</c> is <c>add(b, 1)</c>, <c>square()</c> is <c>pow(2)</c>) are avoided:
/// such a temporary Scalar is unreachable once its handle is read, so a garbage collection
/// (frequent when several clients train at once) can finalize it while the native call still
/// reads it (seen as rare "toFloat" failures in Scalar.h; TorchSharp pull requests 1434 and 1496).
/// </summary>
public sealed class TorchMoETransformer : nn.Module
{
    /// <summary>A label or masked-token target that is not scored.</summary>
    public const int IgnoreLabel = -1;

    private readonly TorchEmbeddings _embed;
    private readonly TorchBlock[] _blocks;
    private readonly TorchLayerNorm _finalLn;
    private readonly TorchLinearHead _head;
    private readonly TorchLinearHead? _lmHead;
    private readonly Dictionary<string, TorchSharp.Modules.Parameter> _byName;
    private readonly FrozenExperts _frozen = new();
    private readonly ExpertMask _routed;
    private readonly int[] _tokensPerExpert;
    private float[] _sampleGates = [];
    private int _batch;
    private Tensor? _pendingTotal;       // graph root of the pass Backward would differentiate
    private PassFlops _passFlops;
    private (float Task, float Balance, float Z) _pendingLosses;
    // Made in the constructor body, not as field initializers: those run before the base
    // constructor's argument, which loads the native library.
    private readonly TorchSharp.Scalar _one;
    private readonly TorchSharp.Scalar _zero;

    public TorchMoETransformer(ModelConfig config, int seed, ScalarType dtype = ScalarType.Float32, Device? device = null)
        : base(Loaded(nameof(TorchMoETransformer)))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (dtype is not (ScalarType.Float32 or ScalarType.Float64))
        {
            throw new ArgumentException($"the model computes in float32 or float64; got {dtype}", nameof(dtype));
        }
        Config = config;
        Dtype = dtype;
        _one = 1.ToScalar();
        _zero = 0.ToScalar();
        Device = device ?? CPU;
        _embed = new TorchEmbeddings(config, dtype, Device);
        _blocks = [.. Enumerable.Range(0, config.Layers).Select(l => new TorchBlock(config, l, dtype, Device))];
        _finalLn = new TorchLayerNorm(config.DModel, dtype, Device);
        _head = new TorchLinearHead(config.DModel, config.Classes, dtype, Device);
        register_module("embed", _embed);
        register_module("layers", nn.ModuleList(_blocks));
        register_module("final_ln", _finalLn);
        register_module("head", _head);
        if (config.LmHead)
        {
            _lmHead = new TorchLinearHead(config.DModel, config.Vocab, dtype, Device);
            register_module("lm_head", _lmHead);
        }
        _byName = named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        _routed = new ExpertMask(config.Layers, config.Experts);
        _tokensPerExpert = new int[config.Layers * config.Experts];
        var initial = new ParameterStore(ModelLayout.Of(config));
        ParameterInit.Initialize(initial, config.Layers, seed);
        LoadFrom(initial);
    }

    public ModelConfig Config { get; }

    public ScalarType Dtype { get; }

    public Device Device { get; }

    /// <summary>Every parameter by its stable name (<see cref="ParameterNames"/>).</summary>
    public IReadOnlyDictionary<string, TorchSharp.Modules.Parameter> ParametersByName => _byName;

    public IReadOnlyList<TorchBlock> Blocks => _blocks;

    /// <summary>Counters and auxiliary losses of the last forward(+backward) pass.</summary>
    public TrainingStepStats LastStep { get; private set; }

    /// <summary>Task + auxiliary losses of the last forward, in the model's precision (the gradient checks read it).</summary>
    public double LastTotalLoss { get; private set; }

    public int LastBatchSize => _batch;

    /// <summary>(batch, layers · experts): [b, l·S + e] = mean over sample b's valid tokens of expert e's router softmax in layer l.</summary>
    public ReadOnlySpan<float> SampleGateProbabilities => _sampleGates;

    /// <summary>Experts that received at least one token in the last forward pass.</summary>
    public ExpertMask RoutedExperts => _routed;

    /// <summary>Tokens routed to each expert in the last forward pass, layer-major (l·S + e).</summary>
    public ReadOnlySpan<int> TokensPerExpert => _tokensPerExpert;

    /// <summary>
    /// Overwrites every parameter from <paramref name="store"/>. The store must declare exactly
    /// this model's parameters with the same shapes; otherwise nothing is copied and a
    /// <see cref="CheckpointMismatchException"/> names every difference.
    /// </summary>
    public void LoadFrom(ParameterStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        Load(store.Slices.Select(s => (s.Name, s.Shape)), "parameter store", name => store.Values.AsSpan(store[name].Offset, store[name].Length));
    }

    /// <summary>Overwrites every parameter from the server's model (same checks as <see cref="LoadFrom(ParameterStore)"/>).</summary>
    public void LoadFrom(GlobalModel global)
    {
        ArgumentNullException.ThrowIfNull(global);
        Load(global.Layout.Entries.Select(e => (e.Name, e.Slice.Shape)), $"global model v{global.Version}", name => global.ValuesOf(name));
    }

    /// <summary>Loads a safetensors checkpoint written by <see cref="ModelCheckpoint"/> (names and shapes checked first).</summary>
    public IReadOnlyDictionary<string, string> LoadCheckpoint(string path)
    {
        var store = new ParameterStore(ModelLayout.Of(Config));
        var metadata = ModelCheckpoint.Load(path, store);
        LoadFrom(store);
        return metadata;
    }

    /// <summary>Writes the parameters as a safetensors checkpoint (the file <see cref="ModelCheckpoint"/> reads into a <see cref="ParameterStore"/>).</summary>
    public void SaveCheckpoint(string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        ModelCheckpoint.Save(path, ToParameterStore(), metadata);

    /// <summary>A new store in the canonical layout holding the current parameter values.</summary>
    public ParameterStore ToParameterStore()
    {
        var store = new ParameterStore(ModelLayout.Of(Config));
        StoreTo(store);
        return store;
    }

    /// <summary>Copies the parameter values into <paramref name="store"/> (same names and shapes required).</summary>
    public void StoreTo(ParameterStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        RequireSameLayout(store.Slices.Select(s => (s.Name, s.Shape)), "parameter store");
        foreach (var slice in store.Slices)
        {
            Read(_byName[slice.Name], store.Values.AsSpan(slice.Offset, slice.Length));
        }
    }

    /// <summary>Copies the gradients of the last backward into <paramref name="store"/>'s Grads (0 where a parameter has none).</summary>
    public void GradientsTo(ParameterStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        RequireSameLayout(store.Slices.Select(s => (s.Name, s.Shape)), "parameter store");
        foreach (var slice in store.Slices)
        {
            var target = store.Grads.AsSpan(slice.Offset, slice.Length);
            using var grad = _byName[slice.Name].grad;
            if (grad is null)
            {
                target.Clear();
            }
            else
            {
                Read(grad, target);
            }
        }
    }

    /// <summary>Class logits (batch · classes, row-major) of a forward pass without a graph. Discards a pending pass.</summary>
    public float[] Forward(ReadOnlySpan<int> tokens, int batch, int seqLen, ReadOnlySpan<int> lengths = default)
    {
        ReleasePass();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var rows = Prepare(tokens, batch, seqLen, lengths);
        var (xf, balance, z) = Trunk(tokens, rows);
        var logits = Classify(xf, rows);
        Finish(0f, balance, z, backward: false, null);
        return ToFloats(logits);
    }

    /// <summary>
    /// The experts each token is routed to in a forward pass without a graph, per MoE layer:
    /// [l][(b·seqLen + t)·k + j] is the j-th choice (gates descending) of token t of sample b, −1 on
    /// padding positions. The telemetry of the pass (<see cref="TokensPerExpert"/>, ...) is set as
    /// by <see cref="Forward"/>. Discards a pending pass.
    /// </summary>
    public int[][] TopExperts(ReadOnlySpan<int> tokens, int batch, int seqLen, ReadOnlySpan<int> lengths = default)
    {
        ReleasePass();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var rows = Prepare(tokens, batch, seqLen, lengths);
        var top = new int[_blocks.Length][];
        var (_, balance, z) = Trunk(tokens, rows, (layer, x) => top[layer] = Route(layer, x, rows));
        Finish(0f, balance, z, backward: false, null);
        return top;
    }

    /// <summary>Predicted class per sample (ties: the lowest class).</summary>
    public void Predict(ReadOnlySpan<int> tokens, int batch, int seqLen, Span<int> predictions, ReadOnlySpan<int> lengths = default)
    {
        if (predictions.Length < batch)
        {
            throw new ArgumentException($"predictions has {predictions.Length} slots; expected batch ({batch})");
        }
        var logits = Forward(tokens, batch, seqLen, lengths);
        int c = Config.Classes;
        for (int b = 0; b < batch; b++)
        {
            predictions[b] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits.AsSpan(b * c, c));
        }
    }

    /// <summary>
    /// Mean classification cross-entropy of a forward pass (labels −1 are ignored; 0 when none is
    /// counted). The graph is kept: <see cref="Backward"/> can follow.
    /// </summary>
    public float Loss(ReadOnlySpan<int> tokens, int batch, int seqLen, ReadOnlySpan<int> labels, ReadOnlySpan<int> lengths = default)
    {
        ReleasePass();
        if (labels.Length != batch)
        {
            throw new ArgumentException($"labels has {labels.Length} entries; expected one per sample ({batch})");
        }
        using var scope = NewDisposeScope();
        using var rows = Prepare(tokens, batch, seqLen, lengths);
        var (xf, balance, z) = Trunk(tokens, rows);
        var logits = Classify(xf, rows);
        long[] y = new long[batch];
        int counted = 0;
        for (int b = 0; b < batch; b++)
        {
            y[b] = labels[b];
            if (labels[b] != IgnoreLabel)
            {
                if ((uint)labels[b] >= (uint)Config.Classes)
                {
                    throw new ArgumentOutOfRangeException(nameof(labels), labels[b], $"label of sample {b} is {labels[b]}; expected -1 (ignore) or a class in [0, {Config.Classes})");
                }
                counted++;
            }
        }
        using var count = counted.ToScalar();
        var task = counted == 0
            ? logits.sum().mul(_zero)
            : nn.functional.cross_entropy(logits, tensor(y, device: Device), ignore_index: IgnoreLabel, reduction: nn.Reduction.Sum).div(count);
        return Arm(task, balance, z);
    }

    /// <summary>
    /// Masked-token cross-entropy of a forward pass: targets (batch·seqLen), −1 = not predicted,
    /// mean over the predicted positions (0 when none). The graph is kept for <see cref="Backward"/>.
    /// </summary>
    public float MaskedTokenLoss(ReadOnlySpan<int> tokens, int batch, int seqLen, ReadOnlySpan<int> targets, ReadOnlySpan<int> lengths = default)
    {
        ReleasePass();
        if (_lmHead is null)
        {
            throw new InvalidOperationException("the masked-token objective needs ModelConfig.LmHead = true");
        }
        using var scope = NewDisposeScope();
        using var rows = Prepare(tokens, batch, seqLen, lengths);
        int n = batch * seqLen, v = Config.Vocab;
        if (targets.Length != n)
        {
            throw new ArgumentException($"targets has {targets.Length} entries; expected batch × seqLen = {n}");
        }
        var positions = new List<long>();
        var wanted = new List<long>();
        for (int t = 0; t < n; t++)
        {
            int y = targets[t];
            if (y == IgnoreLabel)
            {
                continue;
            }
            if ((uint)y >= (uint)v)
            {
                throw new ArgumentOutOfRangeException(nameof(targets), y, $"target at token {t} is {y}; expected -1 (ignore) or a token id in [0, {v})");
            }
            if (t % seqLen >= rows.Lengths[t / seqLen])
            {
                throw new ArgumentException($"target at token {t} falls on a padding position; expected -1 there");
            }
            positions.Add(t);
            wanted.Add(y);
        }
        var (xf, balance, z) = Trunk(tokens, rows);
        _passFlops.Head = FlopCounter.Gemm(positions.Count, v, Config.DModel);
        Tensor task;
        if (positions.Count == 0)
        {
            task = xf.sum().mul(_zero);
        }
        else
        {
            var logits = _lmHead.forward(xf.index_select(0, tensor(positions.ToArray(), device: Device)));
            task = nn.functional.cross_entropy(logits, tensor(wanted.ToArray(), device: Device));
        }
        return Arm(task, balance, z);
    }

    /// <summary>
    /// Back-propagates the pending pass's loss (task + auxiliary) into the parameters' <c>grad</c>
    /// (previous gradients are dropped first). Experts set in <paramref name="frozen"/> get no
    /// gradient and no backward GEMMs.
    /// </summary>
    public void Backward(ExpertMask? frozen = null)
    {
        if (_pendingTotal is null)
        {
            throw new InvalidOperationException("Backward needs a preceding Loss or MaskedTokenLoss call on this model (a Forward, Predict or failed call in between discards its graph)");
        }
        frozen?.RequireShape(Config.Layers, Config.Experts);
        zero_grad();
        _frozen.Set(frozen);
        try
        {
            _pendingTotal.backward(retain_graph: true);
        }
        finally
        {
            _frozen.Set(null);
        }
        Finish(_pendingLosses.Task, _pendingLosses.Balance, _pendingLosses.Z, backward: true, frozen);
    }

    /// <summary>Loss then Backward: one classification training pass. Returns the task loss.</summary>
    public float ForwardBackward(ReadOnlySpan<int> tokens, int batch, int seqLen, ReadOnlySpan<int> labels, ExpertMask? frozen = null, ReadOnlySpan<int> lengths = default)
    {
        frozen?.RequireShape(Config.Layers, Config.Experts);
        float loss = Loss(tokens, batch, seqLen, labels, lengths);
        Backward(frozen);
        return loss;
    }

    /// <summary>MaskedTokenLoss then Backward: one masked-token training pass. Returns the task loss.</summary>
    public float ForwardBackwardMaskedTokens(ReadOnlySpan<int> tokens, int batch, int seqLen, ReadOnlySpan<int> targets, ExpertMask? frozen = null, ReadOnlySpan<int> lengths = default)
    {
        frozen?.RequireShape(Config.Layers, Config.Experts);
        float loss = MaskedTokenLoss(tokens, batch, seqLen, targets, lengths);
        Backward(frozen);
        return loss;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            ReleasePass();
        }
        base.Dispose(disposing);
    }

    // TorchSharp's native glue must be loaded before the base constructor creates the native module.
    private static string Loaded(string name)
    {
        TorchNative.EnsureLoaded();
        return name;
    }

    private TokenRows Prepare(ReadOnlySpan<int> tokens, int batch, int seqLen, ReadOnlySpan<int> lengths)
    {
        ModelInput.Validate(Config, tokens, batch, seqLen, lengths);
        _batch = batch;
        _passFlops = default;
        return new TokenRows(lengths, batch, seqLen, Config.CausalAttention, Dtype, Device);
    }

    // Embeddings and blocks; returns the final-LN output (N, d) and the summed auxiliary losses.
    // beforeMoe sees each MoE sub-layer's input (N, d).
    private (Tensor Final, Tensor Balance, Tensor Z) Trunk(ReadOnlySpan<int> tokens, TokenRows rows, Action<int, Tensor>? beforeMoe = null)
    {
        int batch = rows.Batch, seqLen = rows.SeqLen, n = batch * seqLen, d = Config.DModel, s = Config.Experts;
        long[] ids = new long[n];
        for (int i = 0; i < n; i++)
        {
            ids[i] = tokens[i];
        }
        var x = _embed.Forward(tensor(ids, device: Device), batch, seqLen);
        Tensor balance = zeros(1, Dtype, Device).sum(), z = zeros(1, Dtype, Device).sum();
        var gates = new Tensor[_blocks.Length];
        long attention = FlopCounter.Gemm(n, 3 * d, d) + 4L * batch * seqLen * seqLen * d + FlopCounter.Gemm(n, d, d);
        for (int l = 0; l < _blocks.Length; l++)
        {
            if (_blocks[l].Attention is { } attn)
            {
                x = attn.Forward(x, batch, seqLen, rows.Visible);
                _passFlops.Attention += attention;
            }
            beforeMoe?.Invoke(l, x);
            var moe = _blocks[l].Moe.Forward(x, rows, _frozen);
            x = moe.Output;
            balance += moe.BalanceLoss;
            z += moe.ZLoss;
            gates[l] = moe.SampleGates;
            _passFlops.Router += FlopCounter.Gemm(n, s, d);
            moe.TokensPerExpert.CopyTo(_tokensPerExpert, l * s);
        }
        _routed.Clear();
        for (int i = 0; i < _tokensPerExpert.Length; i++)
        {
            _routed[i / s, i % s] = _tokensPerExpert[i] > 0;
        }
        _sampleGates = ToFloats(cat(gates, 1));
        return (_finalLn.forward(x), balance, z);
    }

    // The routing decision of TorchMoELayer.Forward, op for op on the same shapes (so the same
    // bits): LN → router → softmax over the valid rows → top-k. Its counts equal TokensPerExpert (tested).
    private int[] Route(int layer, Tensor x, TokenRows rows)
    {
        var moe = _blocks[layer].Moe;
        var ln = nn.functional.layer_norm(x, [Config.DModel], _byName[ParameterNames.Moe(layer, "ln.gamma")], _byName[ParameterNames.Moe(layer, "ln.beta")], TorchLayerNorm.Epsilon);
        var logits = moe.RouterBias.addmm(ln, moe.Router);
        if (rows.ValidRows is { } valid)
        {
            logits = logits.index_select(0, valid);
        }
        var (_, chosen) = nn.functional.softmax(logits, 1).topk(Config.TopK, dim: 1);
        long[] experts = chosen.cpu().data<long>().ToArray();
        int k = Config.TopK;
        var top = new int[rows.Batch * rows.SeqLen * k];
        Array.Fill(top, -1);
        for (int slot = 0; slot < experts.Length; slot++)
        {
            top[rows.RowOfValid[slot / k] * k + slot % k] = (int)experts[slot];
        }
        return top;
    }

    private Tensor Classify(Tensor final, TokenRows rows)
    {
        _passFlops.Head = FlopCounter.Gemm(rows.Batch, Config.Classes, Config.DModel);
        var pooled = rows.ValidRows is { } valid
            ? zeros([rows.Batch, Config.DModel], Dtype, Device).index_add(0, rows.SampleOfValid, final.index_select(0, valid), _one) * rows.InverseLength
            : final.view(rows.Batch, rows.SeqLen, Config.DModel).mean([1]);
        return _head.forward(pooled);
    }

    private float Arm(Tensor task, Tensor balance, Tensor z)
    {
        var total = task.add(balance, _one).add(z, _one);
        using var parts = stack([task.detach(), balance.detach(), z.detach(), total.detach()]).to_type(ScalarType.Float64).cpu();
        var values = parts.data<double>().ToArray();
        _pendingLosses = ((float)values[0], (float)values[1], (float)values[2]);
        _pendingTotal = total.DetachFromDisposeScope();
        Finish((float)values[0], balance: null, z: null, backward: false, null);
        LastTotalLoss = values[3];
        return (float)values[0];
    }

    private void Finish(float loss, Tensor? balance, Tensor? z, bool backward, ExpertMask? frozen)
    {
        float b = _pendingLosses.Balance, zl = _pendingLosses.Z;
        if (balance is not null && z is not null)
        {
            using var parts = stack([balance.detach(), z.detach()]).to_type(ScalarType.Float64).cpu();
            var values = parts.data<double>().ToArray();
            (b, zl) = ((float)values[0], (float)values[1]);
            LastTotalLoss = values[0] + values[1];
        }
        int s = Config.Experts, d = Config.DModel, h = Config.ExpertHidden;
        long forwardExpert = 0, backwardExpert = 0;
        int trained = 0;
        for (int i = 0; i < _tokensPerExpert.Length; i++)
        {
            long gemms = FlopCounter.Gemm(_tokensPerExpert[i], h, d);
            forwardExpert += 2 * gemms;
            bool frozenHere = frozen is not null && frozen[i / s, i % s];
            if (backward && _tokensPerExpert[i] > 0 && !frozenHere)
            {
                trained++;
                backwardExpert += 4 * gemms;
            }
        }
        long forwardDense = _passFlops.Attention + _passFlops.Router + _passFlops.Head;
        LastStep = new TrainingStepStats(loss, b, zl, _routed.Count, trained, forwardDense, forwardExpert,
            backward ? 2 * forwardDense : 0, backwardExpert);
    }

    private void ReleasePass()
    {
        _pendingTotal?.Dispose();
        _pendingTotal = null;
        _pendingLosses = default;
    }

    private void Load(IEnumerable<(string Name, int[] Shape)> source, string what, ReadOnlySpanFunc values)
    {
        var list = source.ToList();
        RequireSameLayout(list, what);
        using var noGrad = no_grad();
        foreach (var (name, _) in list)
        {
            var parameter = _byName[name];
            var span = values(name);
            if (Dtype == ScalarType.Float32)
            {
                // The setter only reads: a writable view of the read-only source avoids a managed copy.
                var readable = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(span), span.Length);
                parameter.bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(readable);
            }
            else
            {
                using var source32 = tensor(span.ToArray(), parameter.shape);
                parameter.copy_(source32);
            }
        }
    }

    private void RequireSameLayout(IEnumerable<(string Name, int[] Shape)> source, string what)
    {
        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, shape) in source)
        {
            seen.Add(name);
            if (!_byName.TryGetValue(name, out var parameter))
            {
                problems.Add($"'{name}' {ShapeText.Format(shape)} is not a parameter of this model");
                continue;
            }
            long[] expected = parameter.shape;
            if (!expected.SequenceEqual(shape.Select(v => (long)v)))
            {
                problems.Add($"'{name}' has shape {ShapeText.Format(shape)} but the model expects {ShapeText.Format([.. expected.Select(v => (int)v)])}");
            }
        }
        foreach (var (name, parameter) in _byName)
        {
            if (!seen.Contains(name))
            {
                problems.Add($"'{name}' {ShapeText.Format([.. parameter.shape.Select(v => (int)v)])} is missing");
            }
        }
        if (problems.Count > 0)
        {
            throw new CheckpointMismatchException($"{what} does not match the TorchSharp model: {string.Join("; ", problems)}");
        }
    }

    private static void Read(Tensor source, Span<float> target)
    {
        using var copy = source.detach().to_type(ScalarType.Float32).cpu().contiguous();
        copy.data<float>().CopyTo(target);
    }

    private static float[] ToFloats(Tensor source)
    {
        using var copy = source.detach().to_type(ScalarType.Float32).cpu().contiguous();
        return copy.data<float>().ToArray();
    }

    private delegate ReadOnlySpan<float> ReadOnlySpanFunc(string name);

    private struct PassFlops
    {
        public long Attention;
        public long Router;
        public long Head;
    }
}
