using System.Buffers.Binary;
using System.Text;

namespace HFedMoE.Runtime.Serialization;

/// <summary>
/// <c>string</c> (UTF-8), <c>int</c>, <c>long</c>, <c>bool</c> and <c>double</c> (little-endian,
/// bit-exact), with a one-letter manifest. Akka's "primitive" serializer (id 17), so plain test
/// messages and replies pass <c>serialize-messages</c> without a JSON fallback.
/// </summary>
public sealed class PrimitiveSerializer : ISerializer
{
    public const int Id = 17;

    /// <summary>The CLR types this serializer handles.</summary>
    public static IReadOnlyList<Type> Types { get; } = [typeof(string), typeof(int), typeof(long), typeof(bool), typeof(double)];

    public int Identifier => Id;

    public byte[] ToBinary(object obj)
    {
        switch (obj)
        {
            case string s:
                return Encoding.UTF8.GetBytes(s);
            case int i:
                var bi = new byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(bi, i);
                return bi;
            case long l:
                var bl = new byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(bl, l);
                return bl;
            case bool b:
                return [b ? (byte)1 : (byte)0];
            case double d:
                var bd = new byte[8];
                BinaryPrimitives.WriteDoubleLittleEndian(bd, d);
                return bd;
            default:
                throw new ArgumentException($"PrimitiveSerializer expects string, int, long, bool or double, got {obj?.GetType().FullName ?? "null"}", nameof(obj));
        }
    }

    public object FromBinary(byte[] bytes, string manifest)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return manifest switch
        {
            "S" => Encoding.UTF8.GetString(bytes),
            "I" when bytes.Length == 4 => BinaryPrimitives.ReadInt32LittleEndian(bytes),
            "L" when bytes.Length == 8 => BinaryPrimitives.ReadInt64LittleEndian(bytes),
            "B" when bytes.Length == 1 => bytes[0] != 0,
            "D" when bytes.Length == 8 => BinaryPrimitives.ReadDoubleLittleEndian(bytes),
            "I" or "L" or "B" or "D" => throw new InvalidDataException($"primitive payload with manifest '{manifest}' has {bytes.Length} bytes"),
            _ => throw new UnknownManifestException(Id, manifest, "expected S, I, L, B or D"),
        };
    }

    public string Manifest(object obj) => obj switch
    {
        string => "S",
        int => "I",
        long => "L",
        bool => "B",
        double => "D",
        _ => throw new ArgumentException($"PrimitiveSerializer expects string, int, long, bool or double, got {obj?.GetType().FullName ?? "null"}", nameof(obj)),
    };
}
