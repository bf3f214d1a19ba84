namespace HFedMoE.Model.Checkpoints;

/// <summary>Shapes as they appear in error messages: <c>[64,128]</c>.</summary>
internal static class ShapeText
{
    public static string Format(IReadOnlyList<int> shape) => "[" + string.Join(",", shape) + "]";
}
