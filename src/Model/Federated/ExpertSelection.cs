using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Federated;

/// <summary>
/// Choosing which routed experts get a backward pass in one batch (ALGORITHM.md §2 and the
/// budget-respecting baselines of §4). Every selector takes U, the experts routed by at least
/// one token of the batch, and returns at most <c>budget</c> of them, sorted by expert id.
/// When U fits the budget all of U is trained: the budget does not bind, so nothing is gained by
/// freezing an expert the batch uses.
/// </summary>
public static class ExpertSelection
{
    /// <summary>
    /// HFedMoE's selector: the top-<paramref name="budget"/> experts of <paramref name="routed"/>
    /// by <paramref name="scores"/> (I(e) or s(e), indexed by expert id), keeping only positive
    /// scores (a non-positive score cannot raise the objective Σ I(e)); ties go to the lower id.
    /// </summary>
    public static int[] TopByScore(IReadOnlyList<int> routed, ReadOnlySpan<double> scores, int budget) =>
        Rank(routed, scores, budget, positiveOnly: true);

    /// <summary>
    /// HFedMoE's selection from one batch's gate probabilities: ranked by I(e) (the
    /// information-bottleneck score, <see cref="ExpertSelector.InformationBottleneck"/>) or by s(e)
    /// alone (<see cref="ExpertSelector.Importance"/>), with the plan's λ, β and budget.
    /// </summary>
    public static int[] ByGateImportance(IReadOnlyList<int> routed, ReadOnlySpan<float> gateProbs, int batch, int experts, TrainPlan plan)
    {
        var (imp, _, ib) = InformationBottleneck.Evaluate(gateProbs, batch, experts, plan.Lambda, plan.Beta);
        return TopByScore(routed, plan.Selector == ExpertSelector.Importance ? imp.Combined : ib, plan.ExpertBudget);
    }

    /// <summary>Random-k: <paramref name="budget"/> experts drawn uniformly without replacement from U.</summary>
    public static int[] RandomK(IReadOnlyList<int> routed, int budget, DeterministicRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var u = CheckRouted(routed, int.MaxValue);
        CheckBudget(budget);
        if (u.Length <= budget)
        {
            return u;
        }
        // Partial Fisher–Yates over a copy: the first `budget` slots are a uniform sample.
        for (int i = 0; i < budget; i++)
        {
            int j = i + random.NextInt(u.Length - i);
            (u[i], u[j]) = (u[j], u[i]);
        }
        var chosen = u[..budget];
        Array.Sort(chosen);
        return chosen;
    }

    /// <summary>
    /// Frequency top-k (FedMoE-style): the most-routed experts of U by their dispatch counts in the
    /// batch (<paramref name="routedCounts"/>, indexed by expert id); ties go to the lower id.
    /// </summary>
    public static int[] FrequencyTopK(IReadOnlyList<int> routed, ReadOnlySpan<double> routedCounts, int budget) =>
        Rank(routed, routedCounts, budget, positiveOnly: false);

    /// <summary>
    /// SNIP top-k: the experts of U with the largest gradient saliency Σ|θ ⊙ ∂L/∂θ|
    /// (<paramref name="saliency"/>, indexed by expert id); ties go to the lower id.
    /// </summary>
    public static int[] SnipTopK(IReadOnlyList<int> routed, ReadOnlySpan<double> saliency, int budget) =>
        Rank(routed, saliency, budget, positiveOnly: false);

    /// <summary>
    /// Exploration on top of a selection: the routed experts of <paramref name="stale"/> not yet in
    /// <paramref name="chosen"/>, best <paramref name="scores"/> first (ties to the lower id), take up
    /// to <paramref name="slots"/> places, whatever their score; if that overfills
    /// <paramref name="budget"/>, the lowest-scored non-stale experts of <paramref name="chosen"/> make
    /// room. The result never exceeds the budget and is sorted by expert id.
    /// </summary>
    public static int[] Explore(IReadOnlyList<int> chosen, IReadOnlyList<int> routed, ReadOnlySpan<double> scores, int budget, IReadOnlyList<int> stale, int slots)
    {
        ArgumentNullException.ThrowIfNull(chosen);
        ArgumentNullException.ThrowIfNull(stale);
        CheckBudget(budget);
        if (slots < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(slots), slots, "exploration slots must be ≥ 0");
        }
        var u = CheckRouted(routed, scores.Length);
        if (chosen.Count > budget || chosen.Any(e => Array.BinarySearch(u, e) < 0))
        {
            throw new ArgumentException($"the selection [{string.Join(", ", chosen)}] must be routed experts within the budget {budget}", nameof(chosen));
        }
        var staleSet = stale.ToHashSet();
        var picked = chosen.ToHashSet();
        var s = scores.ToArray();
        int ByScore(int a, int b) => s[a] != s[b] ? s[b].CompareTo(s[a]) : a.CompareTo(b);
        var candidates = u.Where(e => staleSet.Contains(e) && !picked.Contains(e)).ToList();
        candidates.Sort(ByScore);
        var added = candidates.Take(Math.Min(slots, budget)).ToList();
        var kept = chosen.ToList();
        // Make room by dropping the weakest non-stale experts of the selection.
        kept.Sort(ByScore);
        int over = kept.Count + added.Count - budget;
        for (int i = kept.Count - 1; i >= 0 && over > 0; i--)
        {
            if (!staleSet.Contains(kept[i]))
            {
                kept.RemoveAt(i);
                over--;
            }
        }
        if (over > 0)
        {
            added.RemoveRange(added.Count - over, over);
        }
        var result = kept.Concat(added).ToArray();
        Array.Sort(result);
        return result;
    }

    private static int[] Rank(IReadOnlyList<int> routed, ReadOnlySpan<double> scores, int budget, bool positiveOnly)
    {
        var u = CheckRouted(routed, scores.Length);
        CheckBudget(budget);
        if (u.Length <= budget)
        {
            return u;
        }
        var keys = new double[u.Length];
        for (int i = 0; i < u.Length; i++)
        {
            double s = scores[u[i]];
            if (double.IsNaN(s))
            {
                throw new ArgumentException($"score of expert {u[i]} is NaN", nameof(scores));
            }
            keys[i] = s;
        }
        var order = Enumerable.Range(0, u.Length).ToArray();
        // Higher score first; equal scores keep ascending expert id (u is sorted), so ties go to
        // the lower index and the result never depends on sort stability.
        Array.Sort(order, (a, b) => keys[a] != keys[b] ? keys[b].CompareTo(keys[a]) : u[a].CompareTo(u[b]));
        var chosen = new List<int>(budget);
        foreach (int i in order)
        {
            if (chosen.Count == budget)
            {
                break;
            }
            if (positiveOnly && !(keys[i] > 0))
            {
                break;
            }
            chosen.Add(u[i]);
        }
        chosen.Sort();
        return [.. chosen];
    }

    private static int[] CheckRouted(IReadOnlyList<int> routed, int expertCount)
    {
        ArgumentNullException.ThrowIfNull(routed);
        var u = routed.ToArray();
        Array.Sort(u);
        for (int i = 0; i < u.Length; i++)
        {
            if (u[i] < 0 || u[i] >= expertCount)
            {
                throw new ArgumentException($"routed expert {u[i]} is outside [0, {expertCount})", nameof(routed));
            }
            if (i > 0 && u[i] == u[i - 1])
            {
                throw new ArgumentException($"routed expert {u[i]} is listed twice", nameof(routed));
            }
        }
        return u;
    }

    private static void CheckBudget(int budget)
    {
        if (budget < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(budget), budget, "expert budget must be ≥ 0");
        }
    }
}
