using System.Buffers.Binary;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Rounds;

/// <summary>
/// A committed global model in the spool: its version then its values as little-endian floats.
/// The layout is not stored; it is the initial model's (a round never changes the layout).
/// </summary>
public static class ModelBlob
{
    public static byte[] Write(GlobalModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var values = model.Values;
        var bytes = new byte[4 + values.Length * 4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, model.Version);
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 + i * 4), values[i]);
        }
        return bytes;
    }

    /// <exception cref="InvalidDataException">The blob's length does not fit the layout.</exception>
    public static GlobalModel Read(byte[] bytes, GlobalModel layoutOf)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(layoutOf);
        int expected = 4 + layoutOf.Layout.TotalLength * 4;
        if (bytes.Length != expected)
        {
            throw new InvalidDataException($"model blob has {bytes.Length} bytes; the layout needs {expected}");
        }
        int version = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        var values = new float[layoutOf.Layout.TotalLength];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 + i * 4));
        }
        return new GlobalModel(layoutOf.Layout, values, version);
    }
}
