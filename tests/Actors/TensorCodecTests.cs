using HFedMoE.Actors.Protocol;
using HFedMoE.Model.Federated;
using Google.Protobuf;

namespace HFedMoE.Actors.Tests;

public sealed class TensorCodecTests
{
    [Fact]
    public void Round_trip_through_the_wire_is_bit_exact_for_every_float_pattern()
    {
        var rng = new Random(11);
        var special = new[]
        {
            float.NaN, BitConverter.Int32BitsToSingle(0x7FC0_1234), BitConverter.Int32BitsToSingle(unchecked((int)0xFFA0_0001)),
            -0f, 0f, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue,
        };
        for (int trial = 0; trial < 20; trial++)
        {
            int rows = rng.Next(1, 6), cols = rng.Next(1, 9);
            var values = new float[rows * cols];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = rng.Next(4) == 0 ? special[rng.Next(special.Length)] : BitConverter.Int32BitsToSingle(rng.Next(int.MinValue, int.MaxValue));
            }
            var wire = TensorCodec.Encode(new UpdateTensor("layers.0.moe.experts.1.w1", [rows, cols], values)).ToByteArray();

            var back = TensorCodec.Decode(Tensor.Parser.ParseFrom(wire));

            Assert.Equal("layers.0.moe.experts.1.w1", back.Name);
            Assert.Equal([rows, cols], back.Shape);
            Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), back.Values.ToArray().Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void Payload_is_little_endian_float32_in_row_major_order()
    {
        var t = TensorCodec.Encode("x", [1, 2], [1.0f, -2.0f]);

        Assert.Equal(new byte[] { 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0 }, t.Data.ToByteArray());
        Assert.Equal([1, 2], t.Shape);
    }

    [Fact]
    public void Scalar_shape_holds_one_value()
    {
        var back = TensorCodec.Decode(TensorCodec.Encode("s", [], [3.5f]));

        Assert.Empty(back.Shape);
        Assert.Equal([3.5f], back.Values.ToArray());
    }

    [Fact]
    public void Payload_shorter_than_the_shape_is_rejected_naming_tensor_and_sizes()
    {
        var t = TensorCodec.Encode("layers.1.moe.router", [4, 3], new float[12]);
        t.Data = ByteString.CopyFrom(new byte[44]);

        var e = Assert.Throws<InvalidDataException>(() => TensorCodec.Decode(t));

        Assert.Contains("'layers.1.moe.router'", e.Message, StringComparison.Ordinal);
        Assert.Contains("[4,3]", e.Message, StringComparison.Ordinal);
        Assert.Contains("12 float32 values (48 bytes)", e.Message, StringComparison.Ordinal);
        Assert.Contains("44 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Payload_not_a_multiple_of_four_bytes_is_rejected()
    {
        var t = new Tensor { Name = "b", Data = ByteString.CopyFrom(new byte[7]) };
        t.Shape.Add(2);

        var e = Assert.Throws<InvalidDataException>(() => TensorCodec.Decode(t));

        Assert.Contains("needs 2 float32 values (8 bytes); the payload has 7 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Negative_dimension_is_rejected()
    {
        var t = new Tensor { Name = "w" };
        t.Shape.Add(3);
        t.Shape.Add(-2);

        var e = Assert.Throws<InvalidDataException>(() => TensorCodec.Decode(t));

        Assert.Contains("dimension 1 = -2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shape_too_large_for_one_message_is_rejected_without_allocating()
    {
        var t = new Tensor { Name = "huge" };
        t.Shape.Add(1 << 20);
        t.Shape.Add(1 << 20);

        var e = Assert.Throws<InvalidDataException>(() => TensorCodec.Decode(t));

        Assert.Contains("'huge'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unnamed_tensor_is_rejected()
    {
        var t = new Tensor { Data = ByteString.CopyFrom(new byte[4]) };
        t.Shape.Add(1);

        Assert.Throws<InvalidDataException>(() => TensorCodec.Decode(t));
    }

    [Fact]
    public void Encoding_values_that_do_not_fill_the_shape_throws()
    {
        var e = Assert.Throws<ArgumentException>(() => TensorCodec.Encode("w", [2, 3], new float[5]));

        Assert.Contains("shape [2,3] (6 values) but 5 values", e.Message, StringComparison.Ordinal);
    }
}
