namespace HFedMoE.Model.Federated;

/// <summary>
/// Per-expert importance of one batch (ALGORITHM.md §1), each array indexed by expert id:
/// <paramref name="Cumulative"/> s_cum(e) = mean gate probability, <paramref name="Specific"/>
/// s_spec(e) = max gate probability, <paramref name="Combined"/> s(e) = λ·s_cum + (1−λ)·s_spec.
/// </summary>
public sealed record ImportanceScores(double[] Cumulative, double[] Specific, double[] Combined);
