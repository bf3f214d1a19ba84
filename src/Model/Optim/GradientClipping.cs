using System.Numerics.Tensors;
using HFedMoE.Model.Nn;

namespace HFedMoE.Model.Optim;

/// <summary>Global-norm gradient clipping over a whole <see cref="ParameterStore"/>.</summary>
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
}
