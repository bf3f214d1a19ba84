using HFedMoE.Model.Nn;
using HFedMoE.Model.Tests.Tensors;

namespace HFedMoE.Model.Tests.Nn;

public sealed class MoELayerTests
{
    private const int N = 6;
    private readonly ModelConfig _config = TinyModels.Small(attention: false, lmHead: false);
    private readonly ParameterStore _store;
    private readonly MoELayer _layer;
    private readonly float[] _x;
    private readonly bool[] _valid = [true, true, true, false, true, true];

    public MoELayerTests()
    {
        _store = new ParameterStore(MoELayer.Layout(_config, 0));
        var rng = new Random(7);
        for (int i = 0; i < _store.Count; i++)
        {
            _store.Values[i] = (float)(rng.NextDouble() * 2 - 1) * 0.8f;
        }
        _layer = new MoELayer(_config, 0, _store);
        _x = FiniteDifference.Random(rng, N * _config.DModel, 2f);
    }

    [Fact]
    public void Forward_matches_a_per_token_reference_of_router_topk_and_experts()
    {
        int d = _config.DModel;
        var y = new float[N * d];
        _layer.Forward(y, _x, _valid, N, new FlopCounter());
        var expected = ReferenceForward(_x, _valid);
        for (int i = 0; i < y.Length; i++)
        {
            Assert.True(Math.Abs(y[i] - expected[i]) < 1e-4, $"y[{i}] = {y[i]}, reference {expected[i]}");
        }
        // The padding token is neither routed nor changed.
        Assert.Equal(_x.AsSpan(3 * d, d).ToArray(), y.AsSpan(3 * d, d).ToArray());
        Assert.Equal(5 * _config.TopK, _layer.TokensPerExpert.ToArray().Sum());
    }

    [Fact]
    public void Router_bias_alone_decides_the_experts_and_the_renormalised_gates()
    {
        _store.ValuesOf(ParameterNames.Router(0)).Clear();
        float[] bias = [0f, 2f, 1f, -1f];
        bias.CopyTo(_store.ValuesOf(ParameterNames.RouterBias(0)));
        var y = new float[N * _config.DModel];
        _layer.Forward(y, _x, _valid, N, new FlopCounter());
        Assert.Equal([0, 5, 5, 0], _layer.TokensPerExpert.ToArray());
        double g1 = Math.Exp(2) / (Math.Exp(2) + Math.Exp(1));
        Assert.Equal(1, _layer.TopExperts[0]);
        Assert.Equal(2, _layer.TopExperts[1]);
        Assert.Equal(g1, _layer.TopGates[0], 5);
        Assert.Equal(1 - g1, _layer.TopGates[1], 5);
        Assert.Equal(-1, _layer.TopExperts[3 * 2]); // padding token
        // Balance loss: f = [0, ½, ½, 0], P = softmax(bias) ⇒ S·Σ f·P.
        double z = bias.Sum(b => Math.Exp(b));
        double expectedBalance = _config.LoadBalanceCoef * 4 * 0.5 * (Math.Exp(2) + Math.Exp(1)) / z;
        Assert.Equal(expectedBalance, _layer.BalanceLoss, 5);
        Assert.Equal(_config.ZLossCoef * Math.Pow(Math.Log(z), 2), _layer.ZLoss, 5);
    }

    [Fact]
    public void Backward_matches_finite_differences_for_every_parameter_and_the_input()
    {
        int d = _config.DModel;
        var w = FiniteDifference.Random(new Random(3), N * d);
        var baseline = RoutingOf();
        var dx = Backward(w, null);
        double Loss()
        {
            var y = new float[N * d];
            _layer.Forward(y, _x, _valid, N, new FlopCounter());
            return FiniteDifference.Dot(y, w) + _layer.BalanceLoss + _layer.ZLoss;
        }
        // Probes are small (ε = 1e-3) and routing is re-checked so a top-k flip cannot hide an error.
        FiniteDifference.Check("moe params", _store.Values, _store.Grads, Loss, eps: 1e-3f, atol: 2e-3, rtol: 3e-2);
        Assert.Equal(baseline, RoutingOf());
        FiniteDifference.Check("moe input", _x, dx, Loss, eps: 1e-3f, atol: 2e-3, rtol: 3e-2);
        Assert.Equal(baseline, RoutingOf());
    }

    [Fact]
    public void Frozen_expert_gets_exactly_zero_gradient_and_no_backward_flops_but_the_router_still_learns()
    {
        int d = _config.DModel, h = _config.ExpertHidden;
        var w = FiniteDifference.Random(new Random(3), N * d);
        Backward(w, null);
        var routerGrad = _store.GradsOf(ParameterNames.Router(0)).ToArray();
        var expert2Grad = _store.GradsOf(ParameterNames.Expert(0, 2, "w1")).ToArray();

        var frozen = new ExpertMask(1, 4);
        frozen[0, 1] = true;
        var flops = new FlopCounter();
        Backward(w, frozen, flops);
        foreach (var part in new[] { "w1", "b1", "w2", "b2" })
        {
            Assert.All(_store.GradsOf(ParameterNames.Expert(0, 1, part)).ToArray(), g => Assert.Equal(0f, g));
        }
        // The router's gradient (including through the frozen expert's gate) is unchanged,
        // and other experts' gradients are bit-identical.
        Assert.Equal(routerGrad, _store.GradsOf(ParameterNames.Router(0)).ToArray());
        Assert.Equal(expert2Grad, _store.GradsOf(ParameterNames.Expert(0, 2, "w1")).ToArray());
        Assert.Contains(routerGrad, g => g != 0f);
        int trainedTokens = 0;
        for (int e = 0; e < 4; e++)
        {
            trainedTokens += e == 1 ? 0 : _layer.TokensPerExpert[e];
        }
        Assert.True(_layer.TokensPerExpert[1] > 0, "test needs expert 1 routed");
        Assert.Equal(4 * 2L * trainedTokens * h * d, flops.BackwardExpert);

        frozen.SetAll(true);
        Backward(w, frozen, flops);
        Assert.Equal(0, flops.BackwardExpert);
    }

    private float[] Backward(float[] w, ExpertMask? frozen, FlopCounter? flops = null)
    {
        flops ??= new FlopCounter();
        flops.Reset();
        var y = new float[N * _config.DModel];
        _layer.Forward(y, _x, _valid, N, flops);
        Array.Clear(_store.Grads);
        var dx = new float[_x.Length];
        _layer.Backward(dx, w, _x, _valid, frozen, flops);
        return dx;
    }

    private int[] RoutingOf()
    {
        var y = new float[N * _config.DModel];
        _layer.Forward(y, _x, _valid, N, new FlopCounter());
        return _layer.TopExperts.ToArray();
    }

    // Token by token, straight from the definition, in double.
    private double[] ReferenceForward(float[] x, bool[] valid)
    {
        int d = _config.DModel, s = _config.Experts, h = _config.ExpertHidden, k = _config.TopK;
        var y = new double[N * d];
        var gamma = _store.ValuesOf(ParameterNames.Moe(0, "ln.gamma")).ToArray();
        var beta = _store.ValuesOf(ParameterNames.Moe(0, "ln.beta")).ToArray();
        var wr = _store.ValuesOf(ParameterNames.Router(0)).ToArray();
        var br = _store.ValuesOf(ParameterNames.RouterBias(0)).ToArray();
        for (int t = 0; t < N; t++)
        {
            var row = x.AsSpan(t * d, d).ToArray().Select(v => (double)v).ToArray();
            for (int i = 0; i < d; i++)
            {
                y[t * d + i] = row[i];
            }
            if (!valid[t])
            {
                continue;
            }
            double mean = row.Average();
            double rstd = 1 / Math.Sqrt(row.Select(v => (v - mean) * (v - mean)).Average() + 1e-5);
            var ln = row.Select((v, i) => (v - mean) * rstd * gamma[i] + beta[i]).ToArray();
            var logits = Enumerable.Range(0, s).Select(e => br[e] + Enumerable.Range(0, d).Sum(i => ln[i] * wr[i * s + e])).ToArray();
            double zmax = logits.Max();
            var probs = logits.Select(z => Math.Exp(z - zmax)).ToArray();
            double sum = probs.Sum();
            probs = probs.Select(p => p / sum).ToArray();
            var top = Enumerable.Range(0, s).OrderByDescending(e => probs[e]).ThenBy(e => e).Take(k).ToArray();
            double topSum = top.Sum(e => probs[e]);
            foreach (int e in top)
            {
                var w1 = _store.ValuesOf(ParameterNames.Expert(0, e, "w1")).ToArray();
                var b1 = _store.ValuesOf(ParameterNames.Expert(0, e, "b1")).ToArray();
                var w2 = _store.ValuesOf(ParameterNames.Expert(0, e, "w2")).ToArray();
                var b2 = _store.ValuesOf(ParameterNames.Expert(0, e, "b2")).ToArray();
                var hid = Enumerable.Range(0, h).Select(j =>
                {
                    double a = b1[j] + Enumerable.Range(0, d).Sum(i => ln[i] * w1[i * h + j]);
                    return 0.5 * a * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (a + 0.044715 * a * a * a)));
                }).ToArray();
                for (int i = 0; i < d; i++)
                {
                    double o = b2[i] + Enumerable.Range(0, h).Sum(j => hid[j] * w2[j * d + i]);
                    y[t * d + i] += probs[e] / topSum * o;
                }
            }
        }
        return y;
    }
}
