namespace HFedMoE.Model.Federated;

/// <summary>How the router (gate) is merged (ALGORITHM.md §3, <c>aggregation.gating</c>).</summary>
public enum RouterMerge
{
    /// <summary>G ← Σ_c α̃(c)·G_c with α̃ = α/Σα (our primary variant; FedAvg when α = |D_c|).</summary>
    Normalised,

    /// <summary>The paper's Eq. 21 as transcribed: G ← Σ_c α(c)·G_c without normalisation.</summary>
    Unnormalised,

    /// <summary>Each expert's router column averaged over the clients that hold that expert.</summary>
    PerExpertColumn,
}
