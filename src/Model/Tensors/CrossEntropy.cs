using System.Numerics.Tensors;

namespace HFedMoE.Model.Tensors;

/// <summary>
/// Softmax cross-entropy over logits, averaged over the rows whose target is not
/// <see cref="Ignore"/> (−1). Forward keeps the probabilities; backward turns them into dlogits.
/// </summary>
public static class CrossEntropy
{
    public const int Ignore = -1;

    // probs, logits: (rows, classes); targets: (rows). Returns mean loss over counted rows (0 if none).
    public static float Forward(Span<float> probs, ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, int rows, int classes, out int counted)
    {
        Shapes.RequireLength(logits, rows * classes, "cross-entropy logits");
        Shapes.RequireLength(probs, rows * classes, "cross-entropy probabilities");
        Shapes.RequireLength(targets, rows, "cross-entropy targets");
        double total = 0;
        counted = 0;
        for (int r = 0; r < rows; r++)
        {
            int y = targets[r];
            if (y == Ignore)
            {
                continue;
            }
            if ((uint)y >= (uint)classes)
            {
                throw new ArgumentOutOfRangeException(nameof(targets), y, $"target of row {r} is {y}; expected -1 (ignore) or a class in [0, {classes})");
            }
            // One vectorised pass gives both the probabilities and log Σexp, so log p_y is taken
            // from the logits and cannot underflow to −inf.
            var z = logits.Slice(r * classes, classes);
            var p = probs.Slice(r * classes, classes);
            float max = TensorPrimitives.Max(z);
            TensorPrimitives.Subtract(z, max, p);
            TensorPrimitives.Exp(p, p);
            float sum = TensorPrimitives.Sum(p);
            TensorPrimitives.Multiply(p, 1f / sum, p);
            total += Math.Log(sum) + max - z[y];
            counted++;
        }
        return counted == 0 ? 0f : (float)(total / counted);
    }

    // dlogits = scale · (probs − onehot(target)) / counted, for counted rows; ignored rows get 0.
    public static void Backward(Span<float> dlogits, ReadOnlySpan<float> probs, ReadOnlySpan<int> targets, int rows, int classes, int counted, float scale = 1f)
    {
        Shapes.RequireLength(dlogits, rows * classes, "cross-entropy dlogits");
        float w = counted == 0 ? 0f : scale / counted;
        for (int r = 0; r < rows; r++)
        {
            var d = dlogits.Slice(r * classes, classes);
            int y = targets[r];
            if (y == Ignore)
            {
                d.Clear();
                continue;
            }
            var p = probs.Slice(r * classes, classes);
            for (int i = 0; i < classes; i++)
            {
                d[i] = w * p[i];
            }
            d[y] -= w;
        }
    }
}
