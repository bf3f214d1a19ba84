namespace HFedMoE.Model.HuggingFace;

/// <summary>
/// One tensor of a Hugging Face checkpoint: its name there (<paramref name="HfName"/>), its shape,
/// and its name in our federated layout (<paramref name="FederatedName"/>: experts become
/// <c>layers.{l}.moe.experts.{e}.{part}</c>, a gate <c>layers.{l}.moe.router</c>, anything else
/// keeps its Hugging Face name and is shared), so that expert importance, selection, masks and
/// aggregation read it unchanged. <paramref name="Layer"/> and <paramref name="Expert"/> are −1
/// where they do not apply.
/// </summary>
public sealed record HfTensorSpec(string HfName, int[] Shape, string FederatedName, int Layer, int Expert)
{
    public long Elements => Shape.Aggregate(1L, (a, b) => a * b);

    public bool IsExpert => Expert >= 0;
}
