namespace HFedMoE.Model.Federated;

/// <summary>
/// A server optimiser step per expert after the merge (FedAvgM over each expert's holders):
/// with Δ_e the merged change of expert e (merged − previous),
/// m_e ← β·m_e + Δ_e and x_e ← x_e + η_e·m_e, η_e = η·(n_e / N)^γ, where n_e is how many
/// accepted updates trained e and N how many were accepted. An expert nobody trained this round
/// keeps its momentum and its value (it does not coast on old momentum: it has no new evidence).
/// Shared and router parameters are taken from the merge as they are.
/// The momentum is state across rounds: it belongs to the model version this step produced, and a
/// round that starts from any other version (a restarted server, a round that did not commit)
/// starts from zero momentum.
/// </summary>
public sealed class ServerExpertStep
{
    private readonly double _beta;
    private readonly double _lr;
    private readonly double _gamma;
    private double[]? _momentum;
    private int _version = -1;

    public ServerExpertStep(double momentum, double learningRate, double holderLrExponent)
    {
        if (!(momentum >= 0 && momentum < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum β must lie in [0, 1)");
        }
        if (!(learningRate > 0 && double.IsFinite(learningRate)))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learning rate η must be a finite value > 0");
        }
        if (!(holderLrExponent >= 0 && double.IsFinite(holderLrExponent)))
        {
            throw new ArgumentOutOfRangeException(nameof(holderLrExponent), holderLrExponent, "the holder exponent γ must be a finite value ≥ 0");
        }
        _beta = momentum;
        _lr = learningRate;
        _gamma = holderLrExponent;
    }

    /// <summary>How many times the momentum started from zero at a round after the first (a version it did not produce).</summary>
    public int Restarts { get; private set; }

    /// <summary>
    /// The stepped model (same version as <paramref name="merged"/>). <paramref name="holders"/>:
    /// per global expert id, the accepted updates that trained it; <paramref name="accepted"/>: N.
    /// </summary>
    public GlobalModel Apply(GlobalModel previous, GlobalModel merged, IReadOnlyList<int> holders, int accepted)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(merged);
        ArgumentNullException.ThrowIfNull(holders);
        var layout = merged.Layout;
        if (previous.Layout.TotalLength != layout.TotalLength || holders.Count != layout.ExpertCount)
        {
            throw new ArgumentException($"the previous model ({previous.Layout.TotalLength} values), the merged one ({layout.TotalLength}) and the holder counts ({holders.Count} for {layout.ExpertCount} experts) must match");
        }
        if (_momentum is null || _momentum.Length != layout.TotalLength || _version != previous.Version)
        {
            if (_momentum is not null)
            {
                Restarts++;
            }
            _momentum = new double[layout.TotalLength];
        }
        var old = previous.Values;
        var next = merged.Values.ToArray();
        for (int e = 0; e < layout.ExpertCount; e++)
        {
            int n = holders[e];
            double rate = n <= 0 || accepted <= 0 ? 0 : _lr * (_gamma == 0 ? 1 : Math.Pow((double)n / accepted, _gamma));
            foreach (var entry in layout.ExpertParameters(e))
            {
                var s = entry.Slice;
                var m = _momentum.AsSpan(s.Offset, s.Length);
                var x = old.Slice(s.Offset, s.Length);
                var dst = next.AsSpan(s.Offset, s.Length);
                if (n <= 0)
                {
                    x.CopyTo(dst);
                    continue;
                }
                for (int i = 0; i < dst.Length; i++)
                {
                    m[i] = _beta * m[i] + ((double)dst[i] - x[i]);
                    dst[i] = (float)(x[i] + rate * m[i]);
                }
            }
        }
        _version = merged.Version;
        return GlobalModel.Adopt(layout, next, merged.Version);
    }
}
