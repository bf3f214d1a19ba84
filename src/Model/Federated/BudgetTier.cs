namespace HFedMoE.Model.Federated;

/// <summary>
/// A client class by compute capacity, configured as data. <paramref name="ComputeCap"/> is in
/// the cost model's units; <paramref name="ActiveExpertsPerToken"/> is the FLAME-style k_i used by
/// that tier (null: the model's own top-k).
/// </summary>
public sealed record BudgetTier(string Name, double ComputeCap, int? ActiveExpertsPerToken = null);
