using HFedMoE.Actors.Protocol;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Registry;

/// <summary>Asks for the current values of the named parameters; answered by <see cref="ExpertTensors"/> or an <see cref="Error"/>.</summary>
public sealed record GetExperts(IReadOnlyList<string> Names);

/// <summary>
/// Current values at <paramref name="ModelVersion"/>; <paramref name="ChangedInVersion"/>[i] is the
/// model version in which <paramref name="Tensors"/>[i] last changed (the initial version if never).
/// </summary>
public sealed record ExpertTensors(int ModelVersion, IReadOnlyList<UpdateTensor> Tensors, IReadOnlyList<int> ChangedInVersion);

/// <summary>Asks for the whole current model; answered by <see cref="CurrentModel"/>.</summary>
public sealed record GetModel;

public sealed record CurrentModel(GlobalModel Model);

/// <summary>
/// Applies one round's merge results all at once: every expert aggregator's result and the gating
/// aggregator's, all computed against <paramref name="ModelVersion"/>. Answered by
/// <see cref="RoundCommitted"/> (the new model is <paramref name="ModelVersion"/> + 1), or by an
/// <see cref="Error"/> with nothing applied.
/// </summary>
/// <param name="Importance">
/// The importance scores (<see cref="SparseUpdate.Importance"/>, one per expert) of each client's
/// accepted update in this round, by client id; recorded in the clients' histories with the round.
/// </param>
public sealed record ApplyRound(int Round, int ModelVersion, IReadOnlyList<ExpertMerged> Experts, GatingMerged? Gating,
    IReadOnlyDictionary<string, IReadOnlyList<double>>? Importance = null);

/// <summary>Asks for a client's recorded importance scores; answered by <see cref="ImportanceHistory"/>.</summary>
public sealed record GetImportanceHistory(string ClientId);

/// <summary>
/// The importance scores of <paramref name="ClientId"/>'s accepted updates in the last committed
/// rounds it took part in, oldest first, at most the registry's history length; empty for a
/// client with none recorded.
/// </summary>
public sealed record ImportanceHistory(string ClientId, IReadOnlyList<RoundImportance> Rounds);

/// <summary>One client's importance scores (one per expert, by global expert id) in <paramref name="Round"/>.</summary>
public sealed record RoundImportance(int Round, IReadOnlyList<double> Importance);
