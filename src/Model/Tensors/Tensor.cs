namespace HFedMoE.Model.Tensors;

/// <summary>
/// A float32 n-d array: a contiguous row-major window (offset + length) of a <c>float[]</c> with
/// a shape. No strides: a view is always contiguous, so <see cref="Span"/> is the whole tensor
/// and kernels (GEMM, TensorPrimitives) take it directly. Reshape shares the buffer.
/// </summary>
public sealed class Tensor
{
    private readonly int[] _shape;

    /// <summary>Wraps <paramref name="data"/>[offset .. offset + product(shape)) without copying.</summary>
    public Tensor(float[] data, int offset, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        _shape = (int[])shape.Clone();
        Length = ElementCount(_shape);
        if (offset < 0 || (long)offset + Length > data.Length)
        {
            throw new ArgumentException(
                $"a tensor of shape {Format(_shape)} ({Length} elements) at offset {offset} does not fit in a buffer of {data.Length} floats",
                nameof(data));
        }
        Data = data;
        Offset = offset;
    }

    /// <summary>The backing buffer, possibly shared with other views.</summary>
    public float[] Data { get; }

    /// <summary>Index in <see cref="Data"/> of element [0, 0, ...].</summary>
    public int Offset { get; }

    /// <summary>Number of elements (product of the shape; 1 for a scalar of shape []).</summary>
    public int Length { get; }

    public int Rank => _shape.Length;

    public ReadOnlySpan<int> Shape => _shape;

    public Span<float> Span => Data.AsSpan(Offset, Length);

    /// <summary>Size of dimension <paramref name="axis"/>; negative axes count from the end.</summary>
    public int Dim(int axis)
    {
        int a = axis < 0 ? axis + Rank : axis;
        if ((uint)a >= (uint)Rank)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), axis, $"axis out of range for a tensor of shape {Format(_shape)}");
        }
        return _shape[a];
    }

    public static Tensor Zeros(params int[] shape) => new(new float[ElementCount(shape)], 0, shape);

    /// <summary>Samples N(0, <paramref name="std"/>²) from <paramref name="random"/>.</summary>
    public static Tensor RandomNormal(DeterministicRandom random, float std, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(random);
        var t = Zeros(shape);
        random.FillNormal(t.Span, 0f, std);
        return t;
    }

    /// <summary>Samples uniformly in [<paramref name="min"/>, <paramref name="max"/>) from <paramref name="random"/>.</summary>
    public static Tensor RandomUniform(DeterministicRandom random, float min, float max, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(random);
        var t = Zeros(shape);
        random.FillUniform(t.Span, min, max);
        return t;
    }

    /// <summary>A view of the same elements with another shape; one dimension may be -1 (inferred).</summary>
    public Tensor Reshape(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var resolved = (int[])shape.Clone();
        int inferred = Array.IndexOf(resolved, -1);
        if (inferred >= 0)
        {
            resolved[inferred] = 1;
            long known = ElementCount(resolved);
            if (known == 0 || Length % known != 0 || Array.LastIndexOf(resolved, -1) != -1)
            {
                throw new ArgumentException($"cannot reshape {Format(_shape)} ({Length} elements) to {Format(shape)}", nameof(shape));
            }
            resolved[inferred] = (int)(Length / known);
        }
        if (ElementCount(resolved) != Length)
        {
            throw new ArgumentException(
                $"cannot reshape {Format(_shape)} ({Length} elements) to {Format(shape)} ({ElementCount(resolved)} elements)", nameof(shape));
        }
        return new Tensor(Data, Offset, resolved);
    }

    /// <summary>Row <paramref name="index"/> of the first dimension as a contiguous view.</summary>
    public Tensor Slice(int index)
    {
        if (Rank == 0 || (uint)index >= (uint)_shape[0])
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"index out of range for the first dimension of {Format(_shape)}");
        }
        var inner = _shape[1..];
        return new Tensor(Data, Offset + index * ElementCount(inner), inner);
    }

    public ref float this[params int[] index] => ref Data[Offset + FlatIndex(index)];

    /// <summary>Throws if the shape is not <paramref name="expected"/>, naming the tensor.</summary>
    public void RequireShape(string name, params int[] expected)
    {
        ArgumentNullException.ThrowIfNull(expected);
        if (!_shape.AsSpan().SequenceEqual(expected))
        {
            throw new ArgumentException($"{name} has shape {Format(_shape)}, expected {Format(expected)}", name);
        }
    }

    public override string ToString() => $"Tensor{Format(_shape)}";

    private int FlatIndex(int[] index)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (index.Length != Rank)
        {
            throw new ArgumentException($"{index.Length} indices given for a tensor of rank {Rank} (shape {Format(_shape)})", nameof(index));
        }
        int flat = 0;
        for (int d = 0; d < index.Length; d++)
        {
            if ((uint)index[d] >= (uint)_shape[d])
            {
                throw new ArgumentOutOfRangeException(nameof(index), $"index {Format(index)} is outside shape {Format(_shape)} (dimension {d})");
            }
            flat = flat * _shape[d] + index[d];
        }
        return flat;
    }

    private static int ElementCount(ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"shape {Format(shape)} has a negative dimension", nameof(shape));
            }
            count *= d;
            if (count > Array.MaxLength)
            {
                throw new ArgumentException($"shape {Format(shape)} has more elements than an array can hold", nameof(shape));
            }
        }
        return (int)count;
    }

    private static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}
