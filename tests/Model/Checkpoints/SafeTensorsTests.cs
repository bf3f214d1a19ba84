using System.Buffers.Binary;
using System.Text;
using HFedMoE.Model.Checkpoints;

namespace HFedMoE.Model.Tests.Checkpoints;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hfedmoe-st-" + Guid.NewGuid().ToString("N"));

    public SafeTensorsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void RoundTrip_IsBitExact_IncludingSpecialValues()
    {
        float[] special =
        [
            0f, -0f, 1f, -1.5f, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue,
            float.PositiveInfinity, float.NegativeInfinity, BitConverter.Int32BitsToSingle(0x7FC01234),
            BitConverter.Int32BitsToSingle(0x00012345), 3.14159274f,
        ];
        var rng = new Random(5);
        float[] random = new float[12 * 7];
        for (int i = 0; i < random.Length; i++)
        {
            random[i] = BitConverter.Int32BitsToSingle(rng.Next());
        }
        var tensors = new[]
        {
            new NamedTensor("special", [special.Length], special),
            new NamedTensor("layers.0.w", [12, 7], random),
            new NamedTensor("scalar", [], [42.5f]),
            new NamedTensor("empty", [0, 3], []),
        };
        string path = Path.Combine(_dir, "a.safetensors");
        SafeTensorsWriter.Write(path, tensors);

        var file = SafeTensorsReader.Read(path);

        Assert.Equal(tensors.Select(t => t.Name), file.Tensors.Select(t => t.Name));
        foreach (var expected in tensors)
        {
            var actual = file[expected.Name];
            Assert.Equal(expected.Shape, actual.Shape);
            Assert.Equal(
                expected.Data.Select(BitConverter.SingleToInt32Bits),
                actual.Data.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void Metadata_RoundTrips_WithEscapesAndUnicode()
    {
        var metadata = new Dictionary<string, string>
        {
            ["config"] = "{\"d\": 64, \"experts\": [16, 16]}",
            ["step"] = "1500",
            ["note"] = "naïve \"quoted\" \\ line\nbreak ✓",
            ["empty"] = "",
        };
        byte[] bytes = SafeTensorsWriter.Serialize([new NamedTensor("w", [1], [1f])], metadata);

        var file = SafeTensorsReader.Parse(bytes);

        Assert.Equal(metadata.OrderBy(kv => kv.Key), file.Metadata.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void Header_IsPaddedWithSpacesToEightByteAlignment()
    {
        for (int nameLength = 1; nameLength <= 9; nameLength++)
        {
            byte[] bytes = SafeTensorsWriter.Serialize([new NamedTensor(new string('x', nameLength), [1], [2f])]);
            ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            Assert.Equal(0UL, n % 8);
            string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
            Assert.Equal('}', header.TrimEnd(' ')[^1]);
            Assert.Equal(8 + (int)n + 4, bytes.Length);
        }
    }

    [Fact]
    public void HandBuiltFile_FromTheFormatDescription_Parses()
    {
        // What a reference implementation writes for {"b": [[1, 2]], "a": 3.5} with metadata
        // {"format": "pt"}: tensors listed in any order in the header, data in offset order.
        const string json =
            "{\"__metadata__\":{\"format\":\"pt\"}," +
            "\"b\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[4,12]}," +
            "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}";
        byte[] header = Encoding.UTF8.GetBytes(json);
        int padded = (header.Length + 7) / 8 * 8;
        var bytes = new List<byte>();
        bytes.AddRange(BitConverter.GetBytes((ulong)padded));
        bytes.AddRange(header);
        bytes.AddRange(Enumerable.Repeat((byte)' ', padded - header.Length));
        bytes.AddRange(new byte[] { 0x00, 0x00, 0x60, 0x40 }); // 3.5f little-endian
        bytes.AddRange(new byte[] { 0x00, 0x00, 0x80, 0x3F }); // 1.0f
        bytes.AddRange(new byte[] { 0x00, 0x00, 0x00, 0x40 }); // 2.0f

        var file = SafeTensorsReader.Parse(bytes.ToArray());

        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal([1, 2], file["b"].Shape);
        Assert.Equal([1f, 2f], file["b"].Data);
        Assert.Empty(file["a"].Shape);
        Assert.Equal([3.5f], file["a"].Data);
    }

    [Fact]
    public void Writer_ProducesTheExactBytesTheFormatDescribes()
    {
        byte[] bytes = SafeTensorsWriter.Serialize([new NamedTensor("w", [2], [1f, -2f])], new Dictionary<string, string> { ["k"] = "v" });

        const string json = "{\"__metadata__\":{\"k\":\"v\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        int padded = (json.Length + 7) / 8 * 8;
        var expected = new List<byte>();
        expected.AddRange(BitConverter.GetBytes((ulong)padded));
        expected.AddRange(Encoding.UTF8.GetBytes(json.PadRight(padded)));
        expected.AddRange(new byte[] { 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0 });
        Assert.Equal(expected.ToArray(), bytes);
    }

    [Fact]
    public void TooShortFile_FailsClearly()
    {
        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsReader.Parse(new byte[5]));
        Assert.Contains("shorter than the 8-byte header length", e.Message);
    }

    [Fact]
    public void HeaderLengthLargerThanFile_FailsClearly()
    {
        byte[] bytes = Valid();
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)bytes.Length);
        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsReader.Parse(bytes));
        Assert.Contains($"header length is {bytes.Length} bytes", e.Message);
    }

    [Fact]
    public void BadJson_FailsClearly()
    {
        byte[] bytes = Valid();
        bytes[8] = (byte)'[';
        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsReader.Parse(bytes));
        Assert.Contains("not valid JSON", e.Message);
    }

    [Fact]
    public void TruncatedData_FailsNamingTheTensor()
    {
        byte[] bytes = Valid();
        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsReader.Parse(bytes.AsSpan(0, bytes.Length - 4)));
        Assert.Contains("'b'", e.Message);
        Assert.Contains("beyond", e.Message);
    }

    [Fact]
    public void OverlappingOffsets_FailClearly()
    {
        byte[] bytes = Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12);
        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsReader.Parse(bytes));
        Assert.Contains("overlaps", e.Message);
        Assert.Contains("'b'", e.Message);
    }

    [Fact]
    public void OffsetsDisagreeingWithShape_FailNamingBoth()
    {
        byte[] bytes = Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8);
        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsReader.Parse(bytes));
        Assert.Contains("shape [3]", e.Message);
        Assert.Contains("span 8 bytes", e.Message);
    }

    [Fact]
    public void TrailingBytesAfterTheTensors_FailClearly()
    {
        byte[] bytes = Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8);
        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsReader.Parse(bytes));
        Assert.Contains("cover only 4", e.Message);
    }

    [Fact]
    public void UnsupportedDtype_FailsNamingIt()
    {
        byte[] bytes = Build("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4);
        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsReader.Parse(bytes));
        Assert.Contains("dtype 'F16'", e.Message);
    }

    [Fact]
    public void DuplicateTensorName_FailsOnReadAndWrite()
    {
        byte[] bytes = Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8);
        Assert.Contains("twice", Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsReader.Parse(bytes)).Message);
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Serialize([new NamedTensor("a", [1], [1f]), new NamedTensor("a", [1], [2f])]));
    }

    [Fact]
    public void NamedTensor_RejectsDataThatDoesNotFitTheShape()
    {
        var e = Assert.Throws<ArgumentException>(() => new NamedTensor("w", [2, 3], new float[5]));
        Assert.Contains("[2,3]", e.Message);
    }

    [Fact]
    public void AtomicWrite_ReplacesTheFile_AndLeavesNoTempFiles()
    {
        string path = Path.Combine(_dir, "m.safetensors");
        SafeTensorsWriter.Write(path, [new NamedTensor("w", [1], [1f])]);
        SafeTensorsWriter.Write(path, [new NamedTensor("w", [2], [2f, 3f])]);

        Assert.Equal([2f, 3f], SafeTensorsReader.Read(path)["w"].Data);
        Assert.Equal(["m.safetensors"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void FailedWrite_KeepsTheOldFile_AndLeavesNoTempFiles()
    {
        string path = Path.Combine(_dir, "m.safetensors");
        SafeTensorsWriter.Write(path, [new NamedTensor("w", [1], [1f])]);

        Assert.Throws<ArgumentException>(() =>
            SafeTensorsWriter.Write(path, [new NamedTensor("w", [1], [5f]), new NamedTensor("w", [1], [6f])]));

        Assert.Equal([1f], SafeTensorsReader.Read(path)["w"].Data);
        Assert.Single(Directory.GetFiles(_dir));
    }

    private static byte[] Valid() =>
        SafeTensorsWriter.Serialize([new NamedTensor("a", [2], [1f, 2f]), new NamedTensor("b", [1, 2], [3f, 4f])]);

    private static byte[] Build(string json, int dataBytes)
    {
        byte[] header = Encoding.UTF8.GetBytes(json);
        byte[] bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        return bytes;
    }
}
