using System.Numerics.Tensors;
using HFedMoE.Model.Nn;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace HFedMoE.Model.Optim;

/// <summary>
/// Global-norm gradient clipping: over a whole <see cref="ParameterStore"/> (the engine) or over
/// TorchSharp parameters. Both scale only when the norm exceeds the cap, so an unclipped step
/// leaves the gradients' bits alone, and a non-finite norm is returned without touching them
/// (the caller sees it and skips the step) rather than turning every gradient into NaN.
/// </summary>
public static class GradientClipping
{
    /// <summary>The L2 norm of all gradients, accumulated per slice in double.</summary>
    public static double GlobalNorm(ParameterStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        double sum = 0;
        var slices = store.Slices;
        for (int i = 0; i < slices.Count; i++)
        {
            sum += TensorPrimitives.SumOfSquares(store.Grads.AsSpan(slices[i].Offset, slices[i].Length));
        }
        return Math.Sqrt(sum);
    }

    /// <summary>Scales all gradients by maxNorm / norm when norm exceeds maxNorm; returns the norm before clipping.</summary>
    public static double ClipGlobalNorm(ParameterStore store, float maxNorm)
    {
        if (!(maxNorm > 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "max norm must be positive");
        }
        double norm = GlobalNorm(store);
        if (norm > maxNorm)
        {
            TensorPrimitives.Multiply(store.Grads, (float)(maxNorm / (norm + 1e-6)), store.Grads);
        }
        return norm;
    }

    /// <summary>
    /// TorchSharp: the L2 norm over every gradient of <paramref name="parameters"/> (those without
    /// one are skipped: frozen experts), computed as PyTorch's <c>clip_grad_norm_</c> does (the
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
