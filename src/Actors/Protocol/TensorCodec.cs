using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Protocol;

/// <summary>
/// Named float tensors to and from <see cref="Tensor"/>: raw little-endian float32 bytes plus the
/// shape, so a round trip is bit-exact (NaN payloads and signed zeros included). Decoding checks
/// the payload against the shape and throws <see cref="InvalidDataException"/> naming the tensor.
/// </summary>
public static class TensorCodec
{
    public static Tensor Encode(string name, ReadOnlySpan<int> shape, ReadOnlySpan<float> values)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        long count = ValueCount(name, shape, msg => new ArgumentException(msg, nameof(shape)));
        if (count != values.Length)
        {
            throw new ArgumentException($"tensor '{name}' has shape {Render(shape)} ({count} values) but {values.Length} values were given", nameof(values));
        }
        var tensor = new Tensor { Name = name };
        foreach (int d in shape)
        {
            tensor.Shape.Add(d);
        }
        tensor.Data = ByteString.CopyFrom(ToLittleEndian(values));
        return tensor;
    }

    public static Tensor Encode(UpdateTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return Encode(tensor.Name, tensor.Shape, tensor.Values.Span);
    }

    /// <summary>The tensor's values in a fresh array, after checking the payload fits the shape.</summary>
    /// <exception cref="InvalidDataException">Empty name, a negative dimension, or a payload whose length is not 4·product(shape).</exception>
    public static UpdateTensor Decode(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (string.IsNullOrEmpty(tensor.Name))
        {
            throw new InvalidDataException("tensor has no name");
        }
        var shape = tensor.Shape.ToArray();
        long count = ValueCount(tensor.Name, shape, msg => new InvalidDataException(msg));
        var data = tensor.Data.Span;
        if (data.Length != count * sizeof(float))
        {
            throw new InvalidDataException(
                $"tensor '{tensor.Name}' has shape {Render(shape)}, which needs {count} float32 values ({count * sizeof(float)} bytes); the payload has {data.Length} bytes");
        }
        var values = new float[count];
        if (BitConverter.IsLittleEndian)
        {
            data.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        else
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(data.Slice(i * sizeof(float)));
            }
        }
        return new UpdateTensor(tensor.Name, shape, values);
    }

    public static List<UpdateTensor> DecodeAll(IEnumerable<Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        return [.. tensors.Select(Decode)];
    }

    private static ReadOnlySpan<byte> ToLittleEndian(ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            return MemoryMarshal.AsBytes(values);
        }
        var bytes = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }
        return bytes;
    }

    private static long ValueCount(string name, ReadOnlySpan<int> shape, Func<string, Exception> error)
    {
        long count = 1;
        for (int a = 0; a < shape.Length; a++)
        {
            if (shape[a] < 0)
            {
                throw error($"tensor '{name}' has dimension {a} = {shape[a]} in shape {Render(shape)}; expected ≥ 0");
            }
            count *= shape[a];
            // A payload is one protobuf bytes field: at most 2 GiB, so at most 2^29 floats.
            if (count > int.MaxValue / sizeof(float))
            {
                throw error($"tensor '{name}' has shape {Render(shape)} with more than {int.MaxValue / sizeof(float)} values; a tensor message holds at most that many");
            }
        }
        return count;
    }

    private static string Render(ReadOnlySpan<int> shape) => $"[{string.Join(",", shape.ToArray())}]";
}
