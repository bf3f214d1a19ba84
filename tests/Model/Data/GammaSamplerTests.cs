using HFedMoE.Model.Data;
using HFedMoE.Model.Tensors;

namespace HFedMoE.Model.Tests.Data;

public sealed class GammaSamplerTests
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    [InlineData(2.5)]
    [InlineData(10.0)]
    public void Gamma_HasMeanAndVarianceEqualToItsShape(double shape)
    {
        var rng = new DeterministicRandom(42);
        const int n = 40_000;
        double sum = 0, sumSq = 0;
        for (int i = 0; i < n; i++)
        {
            double x = Math.Exp(GammaSampler.SampleLogGamma(rng, shape));
            sum += x;
            sumSq += x * x;
        }
        double mean = sum / n;
        double variance = sumSq / n - mean * mean;
        // Standard error of the mean is sqrt(shape / n); allow 4 of them.
        Assert.InRange(mean, shape - 4 * Math.Sqrt(shape / n), shape + 4 * Math.Sqrt(shape / n));
        Assert.InRange(variance / shape, 0.9, 1.1);
    }

    [Fact]
    public void Dirichlet_SmallAlpha_NeverUnderflowsToNaN_AndSumsToOne()
    {
        var rng = new DeterministicRandom(1);
        for (int i = 0; i < 2000; i++)
        {
            double[] p = GammaSampler.SampleDirichlet(rng, 0.01, 4);
            Assert.All(p, v => Assert.True(v >= 0 && double.IsFinite(v)));
            Assert.Equal(1.0, p.Sum(), 12);
        }
    }

    [Fact]
    public void Dirichlet_HasTheExpectedMarginalVariance()
    {
        // Symmetric Dirichlet(α) over K: Var(p_i) = (K−1) / (K²(Kα+1)).
        var rng = new DeterministicRandom(2);
        const int n = 20_000;
        foreach (double alpha in new[] { 0.1, 1.0 })
        {
            double sumSq = 0;
            for (int i = 0; i < n; i++)
            {
                double p = GammaSampler.SampleDirichlet(rng, alpha, 4)[0];
                sumSq += (p - 0.25) * (p - 0.25);
            }
            double expected = 3.0 / (16.0 * (4 * alpha + 1));
            Assert.InRange(sumSq / n / expected, 0.93, 1.07);
        }
    }

    [Fact]
    public void InvalidShape_IsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GammaSampler.SampleLogGamma(new DeterministicRandom(1), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => GammaSampler.SampleLogGamma(new DeterministicRandom(1), double.NaN));
    }
}
