using HFedMoE.Model.Federated;

namespace HFedMoE.Model.Tests.Federated;

public sealed class InformationBottleneckTests
{
    private static readonly float[] Gates = [0.75f, 0.25f, 0.0f, 0.25f, 0.25f, 0.5f];

    [Fact]
    public void Kl_matches_hand_computation()
    {
        var kl = InformationBottleneck.KlDivergence(Gates, 2, 3, [0.5, 0.25, 0.25]);
        // e0: ½[0.75·ln(1.5) + 0.25·ln(0.5)];  e1: evenly spread → 0;  e2: ½[0·ln0 + 0.5·ln 2].
        Assert.Equal(0.5 * (0.75 * Math.Log(1.5) + 0.25 * Math.Log(0.5)), kl[0], 12);
        Assert.Equal(0.0, kl[1], 12);
        Assert.Equal(0.25 * Math.Log(2), kl[2], 12);
    }

    [Fact]
    public void Kl_is_s_cum_times_kl_of_gate_mass_against_uniform()
    {
        var rng = new Random(3);
        var g = new float[6 * 4];
        for (int i = 0; i < g.Length; i++)
        {
            g[i] = (float)rng.NextDouble();
        }
        var imp = ExpertImportance.Compute(g, 6, 4, 0.5);
        var kl = InformationBottleneck.KlDivergence(g, 6, 4, imp.Cumulative);
        for (int e = 0; e < 4; e++)
        {
            double mass = 0;
            for (int i = 0; i < 6; i++)
            {
                mass += g[i * 4 + e];
            }
            double klUniform = 0;
            for (int i = 0; i < 6; i++)
            {
                double q = g[i * 4 + e] / mass;
                klUniform += q * Math.Log(q * 6);
            }
            Assert.True(kl[e] >= 0);
            Assert.Equal(imp.Cumulative[e] * klUniform, kl[e], 10);
        }
    }

    [Fact]
    public void An_expert_with_no_gate_mass_has_zero_kl()
    {
        var kl = InformationBottleneck.KlDivergence([0.5f, 0f, 0.5f, 0f], 2, 2, [0.5, 0.0]);
        Assert.Equal(0.0, kl[1]);
        Assert.False(double.IsNaN(kl[1]));
    }

    [Fact]
    public void Score_is_importance_minus_beta_kl()
    {
        var (imp, kl, scores) = InformationBottleneck.Evaluate(Gates, 2, 3, lambda: 0.5, beta: 0.1);
        Assert.Equal(0.625 - 0.1 * kl[0], scores[0], 12);
        Assert.Equal(0.25, scores[1], 12);
        Assert.Equal(0.375 - 0.1 * 0.25 * Math.Log(2), scores[2], 12);
        Assert.Equal(imp.Combined, InformationBottleneck.Scores(imp.Combined, kl, 0.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => InformationBottleneck.Scores(imp.Combined, kl, -1));
    }
}
