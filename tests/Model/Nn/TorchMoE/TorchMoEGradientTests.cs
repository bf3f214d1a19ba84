using HFedMoE.Model.Nn;
using HFedMoE.Model.Nn.TorchMoE;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace HFedMoE.Model.Tests.Nn.TorchMoE;

/// <summary>
/// Autograd's gradients of the TorchSharp model against central finite differences, in double
/// precision (ε = 1e-6, |Δ| ≤ 1e-7 + 1e-5 · max(|analytic|, |numeric|)), on the small
/// configuration with attention and padding. Every parameter tensor is probed at up to 4 entries.
/// </summary>
public sealed class TorchMoEGradientTests(ITestOutputHelper output)
{
    private const double Eps = 1e-6;

    [Fact]
    public void Classification_gradient_matches_finite_differences_for_every_parameter()
    {
        using var model = Prepared(TinyModels.Small(lmHead: false), seed: 5);
        int[] tokens = TinyModels.Tokens(), labels = TinyModels.Labels(), lengths = TinyModels.Lengths();
        double Loss()
        {
            model.Loss(tokens, TinyModels.Batch, TinyModels.SeqLen, labels, lengths);
            return model.LastTotalLoss;
        }
        model.ForwardBackward(tokens, TinyModels.Batch, TinyModels.SeqLen, labels, lengths: lengths);
        Check(model, Loss, _ => true);
    }

    [Fact]
    public void Masked_token_gradient_matches_finite_differences_for_every_parameter()
    {
        using var model = Prepared(TinyModels.Small(lmHead: true), seed: 6);
        int[] tokens = TinyModels.Tokens(), targets = TinyModels.Targets(), lengths = TinyModels.Lengths();
        double Loss()
        {
            model.MaskedTokenLoss(tokens, TinyModels.Batch, TinyModels.SeqLen, targets, lengths);
            return model.LastTotalLoss;
        }
        model.ForwardBackwardMaskedTokens(tokens, TinyModels.Batch, TinyModels.SeqLen, targets, lengths: lengths);
        Check(model, Loss, name => !name.StartsWith("head.", StringComparison.Ordinal));
    }

    /// <summary>
    /// With experts of the last layer frozen, every parameter that does not feed a frozen expert's
    /// input (that layer's router and other experts, the final norm, the head) still gets the
    /// true derivative; a frozen expert gets none. (What the mask does upstream — no gradient
    /// through the frozen expert into its input — is compared with the former engine in
    /// <see cref="TorchMoEParityTests"/>.)
    /// </summary>
    [Fact]
    public void Masked_gradient_matches_finite_differences_downstream_of_the_frozen_experts()
    {
        var config = TinyModels.Small(lmHead: false);
        using var model = Prepared(config, seed: 7);
        int[] tokens = TinyModels.Tokens(), labels = TinyModels.Labels(), lengths = TinyModels.Lengths();
        var frozen = new ExpertMask(config.Layers, config.Experts);
        frozen[1, 0] = true;
        frozen[1, 2] = true;
        double Loss()
        {
            model.Loss(tokens, TinyModels.Batch, TinyModels.SeqLen, labels, lengths);
            return model.LastTotalLoss;
        }
        model.ForwardBackward(tokens, TinyModels.Batch, TinyModels.SeqLen, labels, frozen, lengths);
        Assert.True(model.RoutedExperts[1, 0] || model.RoutedExperts[1, 2], "the test needs a routed frozen expert");
        foreach (int e in new[] { 0, 2 })
        {
            foreach (var part in new[] { "w1", "b1", "w2", "b2" })
            {
                Assert.Null(model.ParametersByName[ParameterNames.Expert(1, e, part)].grad);
            }
        }
        static bool Downstream(string name) =>
            name.StartsWith("final_ln.", StringComparison.Ordinal) || name.StartsWith("head.", StringComparison.Ordinal)
            || name == ParameterNames.Router(1) || name == ParameterNames.RouterBias(1)
            || name.StartsWith(ParameterNames.ExpertPrefix(1, 1), StringComparison.Ordinal)
            || name.StartsWith(ParameterNames.ExpertPrefix(1, 3), StringComparison.Ordinal);
        Check(model, Loss, Downstream);
    }

    // Unit-scale embeddings: at the default std 0.02 a probe moves the normalised token a lot.
    private static TorchMoETransformer Prepared(ModelConfig config, int seed)
    {
        var model = new TorchMoETransformer(config, seed, ScalarType.Float64);
        using var noGrad = no_grad();
        model.ParametersByName[ParameterNames.TokenEmbedding].mul_(40);
        model.ParametersByName[ParameterNames.PositionEmbedding].mul_(40);
        return model;
    }

    private void Check(TorchMoETransformer model, Func<double> loss, Func<string, bool> probed)
    {
        var analytic = model.ParametersByName.ToDictionary(
            p => p.Key, p => p.Value.grad is { } g ? g.data<double>().ToArray() : null);
        var routing = model.TokensPerExpert.ToArray();
        var rng = new Random(17);
        int probes = 0, nonZero = 0;
        foreach (var (name, parameter) in model.ParametersByName)
        {
            if (!probed(name))
            {
                continue;
            }
            var grad = analytic[name];
            using var flat = parameter.detach().view(-1);
            long n = flat.shape[0];
            foreach (long i in Enumerable.Range(0, 4).Select(_ => (long)rng.Next((int)n)).Distinct())
            {
                double saved = flat[i].item<double>();
                using (no_grad())
                {
                    flat[i] = saved + Eps;
                }
                double plus = loss();
                Assert.Equal(routing, model.TokensPerExpert.ToArray());
                using (no_grad())
                {
                    flat[i] = saved - Eps;
                }
                double minus = loss();
                using (no_grad())
                {
                    flat[i] = saved;
                }
                double numeric = (plus - minus) / (2 * Eps);
                double a = grad is null ? 0 : grad[i];
                Assert.True(Math.Abs(a - numeric) <= 1e-7 + 1e-5 * Math.Max(Math.Abs(a), Math.Abs(numeric)),
                    $"{name}[{i}]: autograd {a:G10} vs finite difference {numeric:G10}");
                probes++;
                nonZero += a != 0 ? 1 : 0;
            }
        }
        output.WriteLine($"{probes} probes, {nonZero} with a non-zero gradient");
        Assert.True(nonZero > probes / 2, $"only {nonZero} of {probes} probes had a non-zero gradient");
    }
}
