namespace HFedMoE.Model.Federated;

/// <summary>How federated aggregation treats a parameter.</summary>
public enum ParameterRole
{
    /// <summary>Embeddings, attention, norms, head: FedAvg by sample count.</summary>
    Shared,

    /// <summary>A layer's gate (<c>layers.{l}.moe.router*</c>).</summary>
    Router,

    /// <summary>One expert's weights (<c>layers.{l}.moe.experts.{e}.*</c>).</summary>
    Expert,
}
