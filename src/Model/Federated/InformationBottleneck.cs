namespace HFedMoE.Model.Federated;

/// <summary>
/// The tractable information-bottleneck score of ALGORITHM.md §2, with prior p(z_e) = s_cum(e):
/// KL(e) = (1/B) Σ_i G_e(x_i)·log(G_e(x_i)/s_cum(e)) and I(e) = s(e) − β·KL(e).
/// </summary>
public static class InformationBottleneck
{
    /// <summary>
    /// KL(e) per expert for a row-major [B × E] gate-probability matrix. Conventions: 0·log 0 = 0,
    /// and an expert with s_cum(e) = 0 (no gate mass at all) has KL 0.
    /// </summary>
    public static double[] KlDivergence(ReadOnlySpan<float> gateProbs, int batch, int experts, ReadOnlySpan<double> cumulative)
    {
        ExpertImportance.CheckMatrix(gateProbs, batch, experts);
        if (cumulative.Length != experts)
        {
            throw new ArgumentException($"s_cum has {cumulative.Length} entries; expected {experts}", nameof(cumulative));
        }
        var kl = new double[experts];
        for (int i = 0; i < batch; i++)
        {
            var row = gateProbs.Slice(i * experts, experts);
            for (int e = 0; e < experts; e++)
            {
                double g = row[e];
                if (g > 0 && cumulative[e] > 0)
                {
                    kl[e] += g * Math.Log(g / cumulative[e]);
                }
            }
        }
        for (int e = 0; e < experts; e++)
        {
            kl[e] /= batch;
        }
        return kl;
    }

    /// <summary>I(e) = s(e) − β·KL(e).</summary>
    public static double[] Scores(ReadOnlySpan<double> importance, ReadOnlySpan<double> kl, double beta)
    {
        if (importance.Length != kl.Length)
        {
            throw new ArgumentException($"importance has {importance.Length} experts but KL has {kl.Length}");
        }
        if (!(beta >= 0) || double.IsInfinity(beta))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "β must be a finite value ≥ 0");
        }
        var scores = new double[importance.Length];
        for (int e = 0; e < scores.Length; e++)
        {
            scores[e] = importance[e] - beta * kl[e];
        }
        return scores;
    }

    /// <summary>Convenience: s(e) and I(e) of one batch in one call.</summary>
    public static (ImportanceScores Importance, double[] Kl, double[] Scores) Evaluate(
        ReadOnlySpan<float> gateProbs, int batch, int experts, double lambda, double beta)
    {
        var imp = ExpertImportance.Compute(gateProbs, batch, experts, lambda);
        var kl = KlDivergence(gateProbs, batch, experts, imp.Cumulative);
        return (imp, kl, Scores(imp.Combined, kl, beta));
    }
}
