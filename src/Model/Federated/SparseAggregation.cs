namespace HFedMoE.Model.Federated;

/// <summary>
/// The weight formulas of sparsity-aware aggregation (ALGORITHM.md §3) and of the baselines'
/// merges (§4), as pure functions of what a client reported. The streaming merge itself is
/// <see cref="StreamingAggregator"/>; these decide how much each client counts.
/// </summary>
public static class SparseAggregation
{
    /// <summary>
    /// HFedMoE expert weight w_c(e) ∝ |D_c|·1[u_c(e) ≥ τ and e trained on c]; with
    /// <paramref name="requireTrained"/> off, the usage condition alone.
    /// </summary>
    public static double ExpertWeight(int sampleCount, double usage, bool trained, double tau, bool requireTrained) =>
        usage >= tau && (trained || !requireTrained) ? sampleCount : 0.0;

    /// <summary>S_c = {e : u_c(e) ≥ τ} as a membership mask.</summary>
    public static bool[] DominantExperts(IReadOnlyList<double> usage, double tau)
    {
        ArgumentNullException.ThrowIfNull(usage);
        var s = new bool[usage.Count];
        for (int e = 0; e < s.Length; e++)
        {
            s[e] = usage[e] >= tau;
        }
        return s;
    }

    /// <summary>
    /// a_c = Σ_{e ∈ S_c} p_c(e) with preference p_c(e) = u_c(e)·s^c(e): the client's gate weight
    /// before division by |S_global| (α(c) = a_c/|S_global|, Eq. 20).
    /// </summary>
    public static double GatingPreference(IReadOnlyList<double> usage, IReadOnlyList<double> importance, double tau)
    {
        ArgumentNullException.ThrowIfNull(usage);
        ArgumentNullException.ThrowIfNull(importance);
        if (usage.Count != importance.Count)
        {
            throw new ArgumentException($"usage has {usage.Count} experts but importance has {importance.Count}");
        }
        double a = 0;
        for (int e = 0; e < usage.Count; e++)
        {
            if (usage[e] >= tau)
            {
                a += usage[e] * importance[e];
            }
        }
        return a;
    }

    /// <summary>
    /// Gate weights of all clients (index-aligned with <paramref name="clients"/>): the paper's
    /// α(c) = a_c/|S_global|, or with <paramref name="normalised"/> α̃(c) = α(c)/Σα (all zero if
    /// every α is zero: the router then keeps its previous value).
    /// </summary>
    public static double[] GatingWeights(IReadOnlyList<(IReadOnlyList<double> Usage, IReadOnlyList<double> Importance)> clients, double tau, bool normalised)
    {
        ArgumentNullException.ThrowIfNull(clients);
        int global = GlobalDominantCount(clients.Select(c => c.Usage), tau);
        var alpha = new double[clients.Count];
        double total = 0;
        for (int c = 0; c < alpha.Length; c++)
        {
            alpha[c] = global == 0 ? 0 : GatingPreference(clients[c].Usage, clients[c].Importance, tau) / global;
            total += alpha[c];
        }
        if (normalised && total > 0)
        {
            for (int c = 0; c < alpha.Length; c++)
            {
                alpha[c] /= total;
            }
        }
        return alpha;
    }

    /// <summary>|S_global| = |∪_c S_c|.</summary>
    public static int GlobalDominantCount(IEnumerable<IReadOnlyList<double>> usages, double tau)
    {
        ArgumentNullException.ThrowIfNull(usages);
        bool[]? union = null;
        foreach (var u in usages)
        {
            union ??= new bool[u.Count];
            if (u.Count != union.Length)
            {
                throw new ArgumentException($"clients report {union.Length} and {u.Count} experts");
            }
            for (int e = 0; e < u.Count; e++)
            {
                union[e] |= u[e] >= tau;
            }
        }
        return union?.Count(b => b) ?? 0;
    }

    /// <summary>FLAME activation-aware weight (f_c(e))^t·|D_c|; t = 0 is FedAvg.</summary>
    public static double FlameWeight(int sampleCount, double activationFrequency, double exponent)
    {
        if (!(activationFrequency >= 0 && activationFrequency <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(activationFrequency), activationFrequency, "activation frequency must lie in [0, 1]");
        }
        return Math.Pow(activationFrequency, exponent) * sampleCount;
    }

    /// <summary>
    /// Normalised weighted mean of one parameter over contributors, keeping
    /// <paramref name="previous"/> if the total weight is zero — the reference the streaming merge
    /// is tested against.
    /// </summary>
    public static double WeightedMean(IReadOnlyList<(double Weight, double Value)> contributions, double previous)
    {
        ArgumentNullException.ThrowIfNull(contributions);
        double sw = 0, swx = 0;
        foreach (var (w, x) in contributions)
        {
            sw += w;
            swx += w * x;
        }
        return sw > 0 ? swx / sw : previous;
    }
}
