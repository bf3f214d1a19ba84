namespace HFedMoE.Model.Federated;

/// <summary>
/// How much one client's reply counts under HFedMoE's sparsity-aware aggregation
/// (ALGORITHM.md §3), per part of the model. Public so that the per-expert and gating aggregator
/// actors weigh their share of a reply exactly as <see cref="HFedMoEStrategy"/> weighs the whole
/// reply: the same inputs give the same bits on both paths.
/// </summary>
public static class HFedMoEWeights
{
    /// <summary>How the router is merged under these options (FedAvg without §3).</summary>
    public static RouterMerge RouterMergeOf(StrategyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.SparsityAwareAggregation ? options.Gating : RouterMerge.Normalised;
    }

    /// <summary>w_c(e): |D_c| when u_c(e) ≥ τ and e was trained (or FedAvg's |D_c| without §3).</summary>
    public static double ExpertWeight(StrategyOptions options, int sampleCount, double usage, bool trained)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.SparsityAwareAggregation
            ? SparseAggregation.ExpertWeight(sampleCount, usage, trained, options.Tau, options.RequireTrained)
            : sampleCount;
    }

    /// <summary>
    /// The router's weight for this reply: a_c = Σ_{e ∈ S_c} p_c(e) (normalised to α̃ or divided by
    /// |S_global| when the round is finalised), or, merged per expert column, |D_c| for each column
    /// the client used (u ≥ τ) in <c>Columns</c>; FedAvg's |D_c| without §3.
    /// </summary>
    public static (double Router, double[]? Columns) RouterWeight(StrategyOptions options, int sampleCount, IReadOnlyList<double> usage, IReadOnlyList<double> importance)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(usage);
        if (!options.SparsityAwareAggregation)
        {
            return (sampleCount, null);
        }
        if (options.Gating == RouterMerge.PerExpertColumn)
        {
            var columns = new double[usage.Count];
            for (int e = 0; e < usage.Count; e++)
            {
                columns[e] = usage[e] >= options.Tau ? sampleCount : 0;
            }
            return (0, columns);
        }
        return (SparseAggregation.GatingPreference(usage, importance, options.Tau), null);
    }

    /// <summary>
    /// The usage from which a client's copy of an expert it did not train still counts in the merge
    /// (as the previous value), so it must be reported; null when untrained experts never count
    /// (HFedMoE's default "actually trained" condition).
    /// </summary>
    public static double? UntrainedUsageFloor(StrategyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return !options.SparsityAwareAggregation ? 0 : options.RequireTrained ? null : options.Tau;
    }
}
