using HFedMoE.Model.Nn;

namespace HFedMoE.Model.Optim;

/// <summary>
/// SGD with heavy-ball momentum (PyTorch semantics): b ← μ·b + g + wd·θ;  θ ← θ − lr·b.
/// The first step of a slice initialises b = g + wd·θ.
/// </summary>
public sealed class SgdMomentum : IOptimizer
{
    private readonly float _momentum;
    private readonly float _weightDecay;
    private readonly float[] _buffer;
    private readonly bool[] _started;

    public SgdMomentum(ParameterStore store, float momentum = 0.9f, float weightDecay = 0f)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (!(momentum >= 0f && momentum < 1f) || !(weightDecay >= 0f))
        {
            throw new ArgumentException($"SGD momentum ({momentum}) must lie in [0, 1) and weight decay ({weightDecay}) be ≥ 0");
        }
        _momentum = momentum;
        _weightDecay = weightDecay;
        Groups = new ParameterGroups(store);
        _buffer = new float[store.Count];
        _started = new bool[store.Slices.Count];
    }

    public ParameterGroups Groups { get; }

    public ReadOnlySpan<float> MomentumBuffer => _buffer;

    public void Step(float learningRate, ExpertMask? frozenExperts = null)
    {
        if (!float.IsFinite(learningRate) || learningRate < 0f)
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learning rate must be finite and ≥ 0");
        }
        var store = Groups.Store;
        for (int i = 0; i < store.Slices.Count; i++)
        {
            if (Groups.Skips(i, frozenExperts))
            {
                continue;
            }
            var s = store.Slices[i];
            var w = store.Values.AsSpan(s.Offset, s.Length);
            var g = store.Grads.AsSpan(s.Offset, s.Length);
            var b = _buffer.AsSpan(s.Offset, s.Length);
            float decay = Groups.Decays[i] ? _weightDecay : 0f;
            float mu = _started[i] ? _momentum : 0f;
            _started[i] = true;
            for (int j = 0; j < w.Length; j++)
            {
                float bj = mu * b[j] + g[j] + decay * w[j];
                b[j] = bj;
                w[j] -= learningRate * bj;
            }
        }
    }

    public void ResetState()
    {
        Array.Clear(_buffer);
        Array.Clear(_started);
    }
}
