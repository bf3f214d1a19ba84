namespace HFedMoE.Model.Tests.Tensors;

/// <summary>Central finite differences over float buffers, for checking backward passes.</summary>
internal static class FiniteDifference
{
    /// <summary>
    /// For every index of <paramref name="values"/> (or the given subset), compares the analytic
    /// gradient with (f(x+ε) − f(x−ε)) / 2ε. <paramref name="loss"/> must recompute from scratch.
    /// </summary>
    public static void Check(string what, float[] values, ReadOnlySpan<float> analytic, Func<double> loss,
        float eps = 1e-2f, double atol = 1e-3, double rtol = 2e-2, IEnumerable<int>? indices = null)
    {
        foreach (int i in indices ?? Enumerable.Range(0, values.Length))
        {
            float saved = values[i];
            values[i] = saved + eps;
            double plus = loss();
            values[i] = saved - eps;
            double minus = loss();
            values[i] = saved;
            double numeric = (plus - minus) / (2 * eps);
            double a = analytic[i];
            Assert.True(Math.Abs(a - numeric) <= atol + rtol * Math.Max(Math.Abs(a), Math.Abs(numeric)),
                $"{what}[{i}]: analytic {a:G6} vs numeric {numeric:G6}");
        }
    }

    public static float[] Random(Random rng, int n, float scale = 1f)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        }
        return x;
    }

    /// <summary>Σ out ⊙ weights in double: a scalar loss whose gradient w.r.t. out is <paramref name="weights"/>.</summary>
    public static double Dot(ReadOnlySpan<float> output, ReadOnlySpan<float> weights)
    {
        double s = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            s += (double)output[i] * weights[i];
        }
        return s;
    }
}
