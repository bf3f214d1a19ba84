using static TorchSharp.torch;

namespace HFedMoE.Model.Nn.MoeLm;

/// <summary>
/// Hugging Face's causal-LM loss: logits at position t predict the label at t + 1; labels equal
/// to <see cref="Ignore"/> (padding, the prompt part of an instruction pair) count nowhere; the mean
/// is over the remaining tokens.
/// </summary>
public static class CausalLmLoss
{
    public const long Ignore = -100;

    /// <summary>logits (B, T, V), labels (B, T) int64 → scalar mean cross-entropy.</summary>
    public static Tensor Compute(Tensor logits, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(labels);
        using var scope = NewDisposeScope();
        long v = logits.shape[2];
        var shiftedLogits = logits[.., ..^1, ..].reshape(-1, v);
        var shiftedLabels = labels[.., 1..].reshape(-1);
        return nn.functional.cross_entropy(shiftedLogits.to_type(ScalarType.Float32), shiftedLabels, ignore_index: Ignore).MoveToOuterDisposeScope();
    }

    /// <summary>Summed loss and the number of tokens it covers, for exact perplexities over many batches.</summary>
    public static (double Sum, long Tokens) SumAndCount(Tensor logits, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(labels);
        using var scope = NewDisposeScope();
        long v = logits.shape[2];
        var shiftedLabels = labels[.., 1..].reshape(-1);
        var sum = nn.functional.cross_entropy(logits[.., ..^1, ..].reshape(-1, v).to_type(ScalarType.Float32), shiftedLabels, ignore_index: Ignore, reduction: nn.Reduction.Sum);
        long tokens = shiftedLabels.ne(Ignore).sum().item<long>();
        return (sum.item<float>(), tokens);
    }
}
