using static TorchSharp.torch;

namespace HFedMoE.Model.Nn.MoeLm;

/// <summary>
/// AdamW over named parameters where a step names the parameters it moves: the others (frozen
/// experts) keep their weights and their moments exactly, even when an earlier step of the round
/// moved them (a stock AdamW would keep moving them on stale momentum). Bias correction counts
/// each parameter's own steps, like the project's engine. <see cref="Reset"/> starts a round fresh.
/// </summary>
public sealed class MaskedAdamW : IDisposable
{
    private readonly Dictionary<string, (Tensor M, Tensor V, int Steps)> _state = new(StringComparer.Ordinal);
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _eps;
    private readonly double _weightDecay;

    public MaskedAdamW(double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0.0)
    {
        _beta1 = beta1;
        _beta2 = beta2;
        _eps = eps;
        _weightDecay = weightDecay;
    }

    /// <summary>One step on <paramref name="active"/> (parameters without a gradient are skipped).</summary>
    public void Step(double learningRate, IEnumerable<(string Name, TorchSharp.Modules.Parameter Parameter)> active)
    {
        ArgumentNullException.ThrowIfNull(active);
        using var noGrad = no_grad();
        foreach (var (name, p) in active)
        {
            var grad = p.grad;
            if (grad is null)
            {
                continue;
            }
            if (!_state.TryGetValue(name, out var s))
            {
                // Moments live across steps: out of any dispose scope the caller opened.
                s = (zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope(), 0);
            }
            int t = s.Steps + 1;
            s.M.mul_(_beta1).add_(grad, alpha: 1 - _beta1);
            s.V.mul_(_beta2).addcmul_(grad, grad, value: 1 - _beta2);
            double c1 = 1 - Math.Pow(_beta1, t), c2 = 1 - Math.Pow(_beta2, t);
            if (_weightDecay > 0)
            {
                p.mul_(1 - learningRate * _weightDecay);
            }
            using var denominator = (s.V / c2).sqrt_().add_(_eps);
            p.addcdiv_(s.M, denominator, value: -learningRate / c1);
            _state[name] = (s.M, s.V, t);
        }
    }

    public void Reset()
    {
        foreach (var (m, v, _) in _state.Values)
        {
            m.Dispose();
            v.Dispose();
        }
        _state.Clear();
    }

    public void Dispose() => Reset();
}
