namespace HFedMoE.Model.Federated;

/// <summary>
/// What HFedMoE ranks routed experts by when the budget binds (<c>selection.rank-by</c>):
/// the IB score I(e) as transcribed (Eq. 15), or the importance s(e) that the paper's §III-D2
/// may actually use.
/// </summary>
public enum RankBy
{
    InformationBottleneck,
    Importance,
}
