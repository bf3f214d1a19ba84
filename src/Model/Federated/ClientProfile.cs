namespace HFedMoE.Model.Federated;

/// <summary>
/// What the server knows of a client: its id, local sample count |D_c|, and either an explicit
/// compute cap (in the cost model's units) or the name of a configured <see cref="BudgetTier"/>.
/// </summary>
public sealed record ClientProfile(string ClientId, int SampleCount, double? ComputeCap = null, string? Tier = null);
