using TorchSharp.Modules;
using static TorchSharp.torch;

namespace HFedMoE.Model.Optim;

/// <summary>
/// Global-norm gradient clipping over TorchSharp parameters. It scales only when the norm exceeds
/// the cap, so an unclipped step leaves the gradients' bits alone, and a non-finite norm is
/// returned without touching them (the caller sees it and skips the step) rather than turning
/// every gradient into NaN.
/// </summary>
public static class GradientClipping
{
    /// <summary>
    /// The L2 norm over every gradient of <paramref name="parameters"/> (those without one are
    /// skipped: frozen experts), computed as PyTorch's <c>clip_grad_norm_</c> does (the
    /// norm of the per-tensor norms); when it exceeds <paramref name="maxNorm"/> every gradient is
    /// scaled by maxNorm / (norm + 1e-6). Returns the norm before clipping (0 with no gradients).
    /// </summary>
    public static double ClipGlobalNorm(IEnumerable<Parameter> parameters, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm > 0) || !double.IsFinite(maxNorm))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "max norm must be positive and finite");
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var grads = parameters.Select(p => p.grad).OfType<TorchSharp.torch.Tensor>().ToList();
        if (grads.Count == 0)
        {
            return 0;
        }
        double norm = stack(grads.Select(g => g.norm()).ToList()).norm().item<float>();
        if (double.IsFinite(norm) && norm > maxNorm)
        {
            double scale = maxNorm / (norm + 1e-6);
            foreach (var g in grads)
            {
                g.mul_(scale);
            }
        }
        return norm;
    }
}
