namespace HFedMoE.Model.Nn;

/// <summary>
/// Routing telemetry accumulated over many batches (e.g. a client's whole local data set):
/// per expert (layer-major, index = layer · S + expert) the mean and max over samples of the
/// per-sample gate probability G_e(x), and the number of tokens routed to it.
/// </summary>
public sealed class RoutingStatistics
{
    private readonly double[] _sum;
    private readonly float[] _max;
    private readonly long[] _tokens;

    public RoutingStatistics(int layers, int experts)
    {
        if (layers <= 0 || experts <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(layers), $"routing statistics need positive layers and experts; got {layers}×{experts}");
        }
        Layers = layers;
        Experts = experts;
        _sum = new double[layers * experts];
        _max = new float[layers * experts];
        _tokens = new long[layers * experts];
    }

    public int Layers { get; }

    public int Experts { get; }

    public long Samples { get; private set; }

    /// <summary>Adds the telemetry of the model's last forward pass.</summary>
    public void Add(MoETransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Config.Layers != Layers || model.Config.Experts != Experts)
        {
            throw new ArgumentException($"model has {model.Config.Layers}×{model.Config.Experts} experts; these statistics track {Layers}×{Experts}");
        }
        Add(model.SampleGateProbabilities, model.LastBatchSize, model.TokensPerExpert);
    }

    /// <summary>Adds a batch: gates (batch, layers·experts) and optional tokens routed per expert.</summary>
    public void Add(ReadOnlySpan<float> sampleGates, int batch, ReadOnlySpan<int> tokensPerExpert = default)
    {
        int width = Layers * Experts;
        if (batch < 0 || sampleGates.Length < batch * width)
        {
            throw new ArgumentException($"sample gates have {sampleGates.Length} values; expected batch ({batch}) × {width}");
        }
        for (int b = 0; b < batch; b++)
        {
            var row = sampleGates.Slice(b * width, width);
            for (int i = 0; i < width; i++)
            {
                _sum[i] += row[i];
                _max[i] = Math.Max(_max[i], row[i]);
            }
        }
        if (!tokensPerExpert.IsEmpty)
        {
            if (tokensPerExpert.Length != width)
            {
                throw new ArgumentException($"tokens per expert has {tokensPerExpert.Length} values; expected {width}");
            }
            for (int i = 0; i < width; i++)
            {
                _tokens[i] += tokensPerExpert[i];
            }
        }
        Samples += batch;
    }

    /// <summary>u(e) = mean over samples of G_e(x).</summary>
    public float MeanGate(int layer, int expert) => Samples == 0 ? 0f : (float)(_sum[Index(layer, expert)] / Samples);

    /// <summary>max over samples of G_e(x).</summary>
    public float MaxGate(int layer, int expert) => _max[Index(layer, expert)];

    public long TokensRouted(int layer, int expert) => _tokens[Index(layer, expert)];

    /// <summary>All mean gates, layer-major.</summary>
    public float[] MeanGates()
    {
        var result = new float[_sum.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = Samples == 0 ? 0f : (float)(_sum[i] / Samples);
        }
        return result;
    }

    public void Reset()
    {
        Array.Clear(_sum);
        Array.Clear(_max);
        Array.Clear(_tokens);
        Samples = 0;
    }

    private int Index(int layer, int expert)
    {
        if ((uint)layer >= (uint)Layers || (uint)expert >= (uint)Experts)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), $"expert ({layer},{expert}) is outside {Layers}×{Experts}");
        }
        return layer * Experts + expert;
    }
}
