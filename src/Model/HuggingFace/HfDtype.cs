using System.Buffers.Binary;

namespace HFedMoE.Model.HuggingFace;

/// <summary>The safetensors element types we read and write, with their conversions to and from float.</summary>
public static class HfDtype
{
    public const string F32 = "F32";
    public const string F16 = "F16";
    public const string BF16 = "BF16";

    public static int Size(string dtype) => dtype switch
    {
        F32 => 4,
        F16 or BF16 => 2,
        _ => throw new HfFormatException($"dtype '{dtype}' is not supported; expected F32, F16 or BF16"),
    };

    /// <summary>config.json's <c>torch_dtype</c> as a safetensors dtype.</summary>
    public static string FromTorch(string torchDtype) => torchDtype switch
    {
        "float32" => F32,
        "float16" => F16,
        "bfloat16" => BF16,
        _ => throw new HfFormatException($"torch_dtype '{torchDtype}' is not supported; expected float32, float16 or bfloat16"),
    };

    public static void Decode(string dtype, ReadOnlySpan<byte> bytes, Span<float> values)
    {
        switch (dtype)
        {
            case F32:
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
                }
                break;
            case F16:
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]));
                }
                break;
            case BF16:
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16);
                }
                break;
            default:
                throw new HfFormatException($"dtype '{dtype}' is not supported; expected F32, F16 or BF16");
        }
    }

    public static void Encode(string dtype, ReadOnlySpan<float> values, Span<byte> bytes)
    {
        switch (dtype)
        {
            case F32:
                for (int i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(bytes[(4 * i)..], values[i]);
                }
                break;
            case F16:
                for (int i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes[(2 * i)..], BitConverter.HalfToUInt16Bits((Half)values[i]));
                }
                break;
            case BF16:
                for (int i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes[(2 * i)..], ToBFloat16(values[i]));
                }
                break;
            default:
                throw new HfFormatException($"dtype '{dtype}' is not supported; expected F32, F16 or BF16");
        }
    }

    /// <summary>Round to nearest even, as PyTorch's float → bfloat16 cast does; NaN stays a quiet NaN.</summary>
    public static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x40);
        }
        uint rounding = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }
}
