namespace HFedMoE.Model.Checkpoints;

/// <summary>
/// One float32 tensor as stored in a checkpoint: its <paramref name="Name"/>, row-major
/// <paramref name="Shape"/> (empty for a scalar) and its elements.
/// </summary>
public sealed record NamedTensor
{
    public NamedTensor(string name, int[] shape, float[] data)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        long count = ElementCount(shape, name);
        if (count != data.Length)
        {
            throw new ArgumentException(
                $"tensor '{name}' has shape {ShapeText.Format(shape)} = {count} elements but {data.Length} values were given");
        }
        Name = name;
        Shape = shape;
        Data = data;
    }

    public string Name { get; }

    public int[] Shape { get; }

    public float[] Data { get; }

    internal static long ElementCount(int[] shape, string name)
    {
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"tensor '{name}' has a negative dimension in shape {ShapeText.Format(shape)}");
            }
            count = checked(count * d);
        }
        return count;
    }
}
