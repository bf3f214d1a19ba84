namespace HFedMoE.Model.Federated;

/// <summary>
/// Upper bounds the exact streaming sums are sized for: the total weight each part may receive in
/// one round (e.g. Σ|D_c| over the planned clients) and the largest parameter magnitude accepted.
/// Exceeding a weight bound is an error, never a silent loss of exactness.
/// </summary>
public sealed record AggregationBounds(
    double SharedWeight,
    double RouterWeight,
    double ExpertWeight,
    double ValueBound = 1024)
{
    /// <summary>
    /// The bounds for a round over <paramref name="clients"/>: Σ|D_c| for shared and expert weights;
    /// for a router weighted by gating preference, a_c ≤ layers + 1 per client, else Σ|D_c|.
    /// Both the strategy and the aggregator actors size their exact sums with this, so the same
    /// clients give the same bits on both paths.
    /// </summary>
    public static AggregationBounds For(IReadOnlyList<ClientProfile> clients, int layers, bool routerByGatingPreference, double valueBound)
    {
        ArgumentNullException.ThrowIfNull(clients);
        double samples = clients.Sum(c => (double)c.SampleCount);
        double router = routerByGatingPreference ? clients.Count * (layers + 1.0) : samples;
        return new AggregationBounds(samples, router, samples, valueBound);
    }

    internal void Check()
    {
        Positive(SharedWeight, nameof(SharedWeight));
        Positive(RouterWeight, nameof(RouterWeight));
        Positive(ExpertWeight, nameof(ExpertWeight));
        Positive(ValueBound, nameof(ValueBound));
        if (ValueBound > 1 << 20)
        {
            throw new ArgumentOutOfRangeException(nameof(ValueBound), ValueBound, "value bound must be ≤ 2^20 so enough grid bits remain for the fraction");
        }
    }

    private static void Positive(double v, string name)
    {
        if (!(v > 0) || double.IsInfinity(v))
        {
            throw new ArgumentOutOfRangeException(name, v, $"{name} must be a finite value > 0");
        }
    }
}
