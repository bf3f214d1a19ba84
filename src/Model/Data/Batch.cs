namespace HFedMoE.Model.Data;

/// <summary>
/// Samples collated for the model: <paramref name="Tokens"/> is row-major
/// [<paramref name="Size"/>, <paramref name="Length"/>], rows shorter than Length padded with
/// [PAD]; <paramref name="Lengths"/> gives each row's real length; <paramref name="Labels"/> the
/// topic labels; <paramref name="SampleIndices"/> which dataset samples the rows are.
/// </summary>
public sealed record Batch(int Size, int Length, int[] Tokens, int[] Lengths, int[] Labels, int[] SampleIndices)
{
    public ReadOnlySpan<int> Row(int index) => Tokens.AsSpan(index * Length, Length);
}
