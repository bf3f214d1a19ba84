namespace HFedMoE.Model.Nn;

/// <summary>
/// A named view into a <see cref="ParameterStore"/>'s flat buffers: the parameter
/// <paramref name="Name"/> (e.g. <c>layers.1.moe.experts.5.w1</c>) occupies
/// <paramref name="Length"/> floats from <paramref name="Offset"/>, laid out row-major as
/// <paramref name="Shape"/>.
/// </summary>
public sealed record ParameterSlice(string Name, int[] Shape, int Offset, int Length);
