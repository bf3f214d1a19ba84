namespace HFedMoE.Model.Nn;

/// <summary>
/// Top-k selection over one token's gate probabilities, renormalised over the k chosen experts.
/// Ties go to the lower expert index, so routing is deterministic.
/// </summary>
public static class TopKRouting
{
    // probs: (S); experts, gates: (k). gates[j] = probs[experts[j]] / Σ_i probs[experts[i]], in descending order.
    public static void Select(ReadOnlySpan<float> probs, Span<int> experts, Span<float> gates)
    {
        int k = experts.Length;
        if (k < 1 || k > probs.Length || gates.Length != k)
        {
            throw new ArgumentException($"top-k needs 1 ≤ k ≤ {probs.Length} and gates of length k; got k = {k}, gates {gates.Length}");
        }
        float sum = 0f;
        for (int j = 0; j < k; j++)
        {
            int best = -1;
            float bestValue = float.NegativeInfinity;
            for (int e = 0; e < probs.Length; e++)
            {
                // Strict '>' scanning upward keeps the lowest index among equal values.
                if ((best < 0 || probs[e] > bestValue) && !experts[..j].Contains(e))
                {
                    best = e;
                    bestValue = probs[e];
                }
            }
            experts[j] = best;
            gates[j] = bestValue;
            sum += bestValue;
        }
        float inv = sum > 0f ? 1f / sum : 1f / k;
        for (int j = 0; j < k; j++)
        {
            gates[j] = sum > 0f ? gates[j] * inv : inv;
        }
    }
}
