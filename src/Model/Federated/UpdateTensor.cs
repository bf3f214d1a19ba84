namespace HFedMoE.Model.Federated;

/// <summary>
/// One named tensor of a client update, row-major. Its shape equals the global parameter's,
/// except in a width-scaled (HeteroFL) update, where it is the leading block of the global tensor.
/// </summary>
public sealed record UpdateTensor(string Name, int[] Shape, ReadOnlyMemory<float> Values);
