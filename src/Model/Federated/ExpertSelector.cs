namespace HFedMoE.Model.Federated;

/// <summary>Which rule the local trainer uses to pick the experts that get a backward pass.</summary>
public enum ExpertSelector
{
    /// <summary>Every routed expert (FedAvg-Full, FedAvg-Naive, FLAME, HeteroFL).</summary>
    AllRouted,

    /// <summary>HFedMoE: top-budget by I(e) = s(e) − β·KL(e).</summary>
    InformationBottleneck,

    /// <summary>HFedMoE ranked by s(e).</summary>
    Importance,

    RandomK,

    FrequencyTopK,

    SnipTopK,
}
