using HFedMoE.Model.Nn;

namespace HFedMoE.Model.Tests.Nn;

/// <summary>Small configurations and batches shared by the Nn and Optim tests.</summary>
internal static class TinyModels
{
    /// <summary>The gradient-check model of the brief: d=8, 2 heads, 2 layers, 4 experts, top-2, hidden 16, seq 5.</summary>
    public static ModelConfig Small(bool attention = true, bool lmHead = true) => new()
    {
        Vocab = 11,
        SeqLen = 5,
        DModel = 8,
        Heads = 2,
        Layers = 2,
        Experts = 4,
        TopK = 2,
        ExpertHidden = 16,
        Classes = 3,
        UseAttention = attention,
        LmHead = lmHead,
        LoadBalanceCoef = 0.05f,
        ZLossCoef = 0.01f,
    };

    public const int Batch = 3;
    public const int SeqLen = 5;

    public static int[] Tokens() => [1, 4, 7, 2, 9, 3, 3, 10, 5, 0, 6, 8, 1, 2, 4];

    public static int[] Labels() => [2, 0, 1];

    public static int[] Lengths() => [5, 4, 3];

    /// <summary>Masked-token targets at valid positions only (−1 elsewhere).</summary>
    public static int[] Targets() => [-1, 5, -1, -1, 2, 7, -1, -1, 1, -1, -1, 3, -1, -1, -1];
}
