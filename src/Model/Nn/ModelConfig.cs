namespace HFedMoE.Model.Nn;

/// <summary>
/// Shape and loss settings of a <see cref="TorchMoE.TorchMoETransformer"/>. Defaults are the benchmark model of
/// ALGORITHM.md §5 (d = 64, 2 MoE blocks × 16 experts, hidden 128, top-2, no attention).
/// </summary>
public sealed record ModelConfig
{
    public int Vocab { get; init; } = 2000;

    /// <summary>Maximum sequence length (rows of the position table).</summary>
    public int SeqLen { get; init; } = 32;

    public int DModel { get; init; } = 64;

    public int Heads { get; init; } = 4;

    /// <summary>Number of blocks; each has an optional attention sub-layer and one MoE sub-layer.</summary>
    public int Layers { get; init; } = 2;

    /// <summary>Experts per MoE layer (S).</summary>
    public int Experts { get; init; } = 16;

    public int TopK { get; init; } = 2;

    public int ExpertHidden { get; init; } = 128;

    /// <summary>Classes of the sequence-classification head.</summary>
    public int Classes { get; init; } = 4;

    public bool UseAttention { get; init; }

    public bool CausalAttention { get; init; }

    /// <summary>
    /// Adds the per-token vocabulary head used by the masked-token pre-training objective. Without
    /// <see cref="UseAttention"/> a masked position sees only its own [MASK] token and position, so
    /// the objective can learn no more than token frequencies: pre-train with attention on.
    /// </summary>
    public bool LmHead { get; init; }

    /// <summary>Coefficient of the Switch load-balancing loss S · Σ_e f_e · P_e (per MoE layer).</summary>
    public float LoadBalanceCoef { get; init; } = 0.01f;

    /// <summary>Coefficient of the router z-loss mean_t logsumexp(logits_t)² (per MoE layer).</summary>
    public float ZLossCoef { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        Positive(Vocab, nameof(Vocab));
        Positive(SeqLen, nameof(SeqLen));
        Positive(DModel, nameof(DModel));
        Positive(Layers, nameof(Layers));
        Positive(Experts, nameof(Experts));
        Positive(ExpertHidden, nameof(ExpertHidden));
        if (TopK < 1 || TopK > Experts)
        {
            throw new ArgumentException($"ModelConfig.TopK is {TopK}; expected 1..Experts ({Experts})");
        }
        if (Classes < 2)
        {
            throw new ArgumentException($"ModelConfig.Classes is {Classes}; expected at least 2");
        }
        if (UseAttention)
        {
            Positive(Heads, nameof(Heads));
            if (DModel % Heads != 0)
            {
                throw new ArgumentException($"ModelConfig.DModel ({DModel}) must be divisible by Heads ({Heads})");
            }
        }
        if (CausalAttention && !UseAttention)
        {
            throw new ArgumentException("ModelConfig.CausalAttention is set but UseAttention is false");
        }
        NonNegativeFinite(LoadBalanceCoef, nameof(LoadBalanceCoef));
        NonNegativeFinite(ZLossCoef, nameof(ZLossCoef));
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentException($"ModelConfig.{name} is {value}; expected a positive value");
        }
    }

    private static void NonNegativeFinite(float value, string name)
    {
        if (!(value >= 0f) || float.IsInfinity(value))
        {
            throw new ArgumentException($"ModelConfig.{name} is {value}; expected a finite value ≥ 0");
        }
    }
}
