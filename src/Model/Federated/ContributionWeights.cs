namespace HFedMoE.Model.Federated;

/// <summary>
/// How much one update counts in each part of the merge, before normalisation.
/// <paramref name="Shared"/>: weight of its shared tensors (|D_c| for FedAvg).
/// <paramref name="Router"/>: weight of its router tensors (|D_c|, or HFedMoE's a_c = Σ_{S_c} p_c(e)).
/// <paramref name="RouterColumns"/>: if set, per-expert router weights (indexed by expert id): each
/// expert's router column is merged over that expert's holders instead.
/// <paramref name="Experts"/>: w_c(e) per expert id; 0 leaves the client out. An expert with a
/// positive weight whose tensors the update does not carry counts with the previous global value
/// (the client's copy of a frozen expert is exactly that) — this is how FedAvg over full models and
/// the "no trained condition" ablation are expressed without shipping frozen experts.
/// </summary>
public sealed record ContributionWeights(
    double Shared,
    double Router,
    IReadOnlyList<double>? RouterColumns,
    IReadOnlyList<double> Experts);
