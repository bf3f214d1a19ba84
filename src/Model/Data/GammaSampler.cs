using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Data;

/// <summary>
/// Gamma and Dirichlet draws (Marsaglia–Tsang 2000). Results come back as logarithms because
/// Dirichlet(0.1) draws routinely underflow a double: Gamma(0.1) is U^(1/0.1) · Gamma(1.1),
/// and U^10 for small U is below 1e-300 often enough to zero a whole client's proportions.
/// </summary>
public static class GammaSampler
{
    /// <summary>log of a Gamma(<paramref name="shape"/>, 1) draw.</summary>
    public static double SampleLogGamma(DeterministicRandom rng, double shape)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (!(shape > 0) || !double.IsFinite(shape))
        {
            throw new ArgumentOutOfRangeException(nameof(shape), shape, "Gamma shape must be a finite value > 0");
        }
        if (shape < 1)
        {
            // Boost: Gamma(a) = Gamma(a + 1) · U^(1/a).
            double u = 1.0 - rng.NextDouble(); // (0, 1]: log is finite
            return SampleLogGamma(rng, shape + 1) + Math.Log(u) / shape;
        }
        double d = shape - 1.0 / 3.0;
        double c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x = StandardNormal(rng);
            double v = 1.0 + c * x;
            if (v <= 0)
            {
                continue;
            }
            v = v * v * v;
            double u = 1.0 - rng.NextDouble();
            if (Math.Log(u) < 0.5 * x * x + d - d * v + d * Math.Log(v))
            {
                return Math.Log(d * v);
            }
        }
    }

    /// <summary>A draw from the symmetric Dirichlet(<paramref name="alpha"/>) over <paramref name="count"/> categories.</summary>
    public static double[] SampleDirichlet(DeterministicRandom rng, double alpha, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        double[] logs = new double[count];
        double max = double.NegativeInfinity;
        for (int i = 0; i < count; i++)
        {
            logs[i] = SampleLogGamma(rng, alpha);
            max = Math.Max(max, logs[i]);
        }
        double total = 0;
        for (int i = 0; i < count; i++)
        {
            logs[i] = Math.Exp(logs[i] - max);
            total += logs[i];
        }
        for (int i = 0; i < count; i++)
        {
            logs[i] /= total;
        }
        return logs;
    }

    private static double StandardNormal(DeterministicRandom rng)
    {
        // Box–Muller, one of the pair: simpler to keep deterministic than caching the spare.
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
