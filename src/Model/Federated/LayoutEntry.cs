using HFedMoE.Model.Nn;

namespace HFedMoE.Model.Federated;

/// <summary>
/// A parameter slice with its federated role. <paramref name="ExpertId"/> is the global expert id
/// (layer·S + expert, the budget counts experts over all layers jointly) or −1;
/// <paramref name="RouterExpertAxis"/> is the router's axis indexed by expert, or −1.
/// </summary>
public sealed record LayoutEntry(ParameterSlice Slice, ParameterRole Role, int Layer, int ExpertId, int RouterExpertAxis)
{
    public string Name => Slice.Name;
}
