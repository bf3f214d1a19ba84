namespace HFedMoE.Model.Federated;

/// <summary>
/// What one client does in a training round.
/// <paramref name="ExpertBudget"/>: at most this many experts get a backward pass per batch.
/// <paramref name="FailWhenOverBudget"/>: FedAvg-Naive — a step whose routed experts exceed the
/// budget fails instead of selecting; over <paramref name="FailureThreshold"/> failed steps lose
/// the update. <paramref name="ActiveExpertsPerToken"/>: FLAME's k_i (null: the model's top-k).
/// <paramref name="ExpertWidthFraction"/>: HeteroFL's share of each expert's hidden width.
/// <paramref name="AssignedExperts"/>: the experts the client may train (null: any routed expert).
/// <paramref name="Seed"/>: drives the client's batch order and random selection.
/// <paramref name="ExploreExperts"/>: experts the server has seen no one train for a while
/// (hfedmoe-plus's exploration); a score-ranking selector gives up to <paramref name="ExploreSlots"/>
/// places of the budget to those of them the batch routes (<see cref="ExpertSelection.Explore"/>).
/// Left out of the plan's JSON when unset, so plans without exploration keep their digests.
/// </summary>
public sealed record TrainPlan(
    string ClientId,
    int Round,
    int ModelVersion,
    int ExpertBudget,
    ExpertSelector Selector,
    double Lambda,
    double Beta,
    LocalSettings Local,
    int Seed,
    bool FailWhenOverBudget = false,
    double FailureThreshold = 0.5,
    int? ActiveExpertsPerToken = null,
    double ExpertWidthFraction = 1.0,
    IReadOnlyList<int>? AssignedExperts = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyList<int>? ExploreExperts = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    int ExploreSlots = 0);
