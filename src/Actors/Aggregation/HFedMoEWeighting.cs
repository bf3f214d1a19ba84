using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Aggregation;

/// <summary>
/// HFedMoE's contribution weights (ALGORITHM.md §3) for one aggregator's share of a reply, built
/// from <see cref="SparseAggregation"/>'s formulas exactly as <see cref="HFedMoEStrategy"/>
/// combines them for a whole reply (that combination is not public in Model, so it is restated
/// here; the actor tests check the merged bits against the strategy to keep the two in step).
/// </summary>
public static class HFedMoEWeighting
{
    /// <summary>w_c(e): |D_c| when u_c(e) ≥ τ and e was trained (or FedAvg's |D_c| without §3).</summary>
    public static double ExpertWeight(StrategyOptions options, int sampleCount, double usage, bool trained)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.SparsityAwareAggregation
            ? SparseAggregation.ExpertWeight(sampleCount, usage, trained, options.Tau, options.RequireTrained)
            : sampleCount;
    }

    /// <summary>
    /// Weights for the router and shared tensors: shared by |D_c|; the router by a_c = Σ_{S_c} p_c(e)
    /// (normalised to α̃ or divided by |S_global| at the end), per expert column over holders, or
    /// FedAvg's |D_c| without §3. Expert weights are all zero: experts have their own aggregators.
    /// </summary>
    public static ContributionWeights GatingWeights(StrategyOptions options, int sampleCount, IReadOnlyList<double> usage, IReadOnlyList<double> importance)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(usage);
        var none = new double[usage.Count];
        if (!options.SparsityAwareAggregation)
        {
            return new ContributionWeights(sampleCount, sampleCount, null, none);
        }
        if (options.Gating == RouterMerge.PerExpertColumn)
        {
            var dominant = SparseAggregation.DominantExperts(usage, options.Tau);
            return new ContributionWeights(sampleCount, 0, [.. dominant.Select(d => d ? (double)sampleCount : 0)], none);
        }
        return new ContributionWeights(sampleCount, SparseAggregation.GatingPreference(usage, importance, options.Tau), null, none);
    }

    /// <summary>How the router is merged under these options.</summary>
    public static RouterMerge RouterMergeOf(StrategyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.SparsityAwareAggregation ? options.Gating : RouterMerge.Normalised;
    }

    /// <summary>
    /// The usage from which a client must also send an <c>ExpertUpdate</c> (without tensors) for an
    /// expert it did not train, because the merge counts its copy as the previous value; null when
    /// untrained experts never count (HFedMoE's default "actually trained" condition).
    /// </summary>
    public static double? UntrainedUsageFloor(StrategyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return !options.SparsityAwareAggregation ? 0 : options.RequireTrained ? null : options.Tau;
    }

    /// <summary>
    /// The bounds the strategy sizes its exact sums with for these clients (the same bounds give
    /// the same bits): Σ|D_c| for shared and expert weights; the router's a_c ≤ layers + 1 each.
    /// </summary>
    public static AggregationBounds Bounds(StrategyOptions options, ExpertLayout layout, IReadOnlyList<ClientProfile> clients)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(clients);
        double samples = clients.Sum(c => (double)c.SampleCount);
        double router = RouterMergeOf(options) is RouterMerge.PerExpertColumn || !options.SparsityAwareAggregation
            ? samples
            : clients.Count * (layout.Layers + 1.0);
        return new AggregationBounds(samples, router, samples, options.ValueBound);
    }
}
