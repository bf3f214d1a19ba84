namespace HFedMoE.Model.Federated;

/// <summary>
/// Expert importance from a gate-probability matrix (ALGORITHM.md §1). The matrix is row-major
/// [B × E]: row i holds G_e(x_i) for every expert e (for token routing, the mean over the
/// sample's tokens). Sums run in double so the scores do not depend on float rounding order.
/// </summary>
public static class ExpertImportance
{
    public static ImportanceScores Compute(ReadOnlySpan<float> gateProbs, int batch, int experts, double lambda)
    {
        CheckMatrix(gateProbs, batch, experts);
        if (!(lambda >= 0 && lambda <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ must lie in [0, 1]");
        }
        var cum = new double[experts];
        var spec = new double[experts];
        for (int i = 0; i < batch; i++)
        {
            var row = gateProbs.Slice(i * experts, experts);
            for (int e = 0; e < experts; e++)
            {
                double g = row[e];
                cum[e] += g;
                if (g > spec[e])
                {
                    spec[e] = g;
                }
            }
        }
        var combined = new double[experts];
        for (int e = 0; e < experts; e++)
        {
            cum[e] /= batch;
            combined[e] = lambda * cum[e] + (1 - lambda) * spec[e];
        }
        return new ImportanceScores(cum, spec, combined);
    }

    /// <summary>
    /// The client's round importance s^c(e): the mean of the per-batch scores
    /// <paramref name="perBatch"/> (each of length E).
    /// </summary>
    public static double[] MeanOverBatches(IReadOnlyList<double[]> perBatch)
    {
        ArgumentNullException.ThrowIfNull(perBatch);
        if (perBatch.Count == 0)
        {
            throw new ArgumentException("at least one batch's scores are needed for a round mean", nameof(perBatch));
        }
        int experts = perBatch[0].Length;
        var mean = new double[experts];
        foreach (var scores in perBatch)
        {
            if (scores.Length != experts)
            {
                throw new ArgumentException($"batch scores have {scores.Length} experts; expected {experts} like the first batch", nameof(perBatch));
            }
            for (int e = 0; e < experts; e++)
            {
                mean[e] += scores[e];
            }
        }
        for (int e = 0; e < experts; e++)
        {
            mean[e] /= perBatch.Count;
        }
        return mean;
    }

    internal static void CheckMatrix(ReadOnlySpan<float> gateProbs, int batch, int experts)
    {
        if (batch <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch size must be positive");
        }
        if (experts <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(experts), experts, "expert count must be positive");
        }
        if (gateProbs.Length != batch * experts)
        {
            throw new ArgumentException($"gate probabilities hold {gateProbs.Length} values; expected B×E = {batch}×{experts} = {batch * experts}", nameof(gateProbs));
        }
        for (int i = 0; i < gateProbs.Length; i++)
        {
            float g = gateProbs[i];
            if (!(g >= 0f && g <= 1f))
            {
                throw new ArgumentException($"gate probability G[{i / experts},{i % experts}] = {g} is not in [0, 1]", nameof(gateProbs));
            }
        }
    }
}
