using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace HFedMoE.Model.Checkpoints;

/// <summary>
/// Reads safetensors files (see <see cref="SafeTensorsWriter"/> for the layout) holding F32
/// tensors. Everything is validated before a tensor is returned: a truncated file, a header
/// that is not JSON, an unknown dtype, or offsets that leave the data section, overlap, leave
/// gaps or disagree with the shape all throw <see cref="SafeTensorsFormatException"/>.
/// </summary>
public static class SafeTensorsReader
{
    /// <summary>Larger headers are refused rather than allocated: no real checkpoint needs one.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public static SafeTensorsFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = File.ReadAllBytes(path);
        return Parse(bytes, path);
    }

    public static SafeTensorsFile Parse(ReadOnlySpan<byte> bytes, string source = "<memory>")
    {
        if (bytes.Length < 8)
        {
            throw Fail(source, $"the file is {bytes.Length} bytes, shorter than the 8-byte header length prefix");
        }
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)(bytes.Length - 8))
        {
            throw Fail(source, $"the header length is {headerLength} bytes but only {bytes.Length - 8} bytes follow the prefix (truncated or not a safetensors file)");
        }
        if (headerLength > MaxHeaderBytes)
        {
            throw Fail(source, $"the header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit");
        }
        var header = bytes.Slice(8, (int)headerLength);
        var data = bytes[(8 + (int)headerLength)..];

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header.ToArray());
        }
        catch (JsonException e)
        {
            throw Fail(source, $"the header is not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Fail(source, $"the header must be a JSON object, found {document.RootElement.ValueKind}");
            }
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<(string Name, int[] Shape, long Begin, long End)>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    throw Fail(source, $"the header names '{property.Name}' twice");
                }
                if (property.Name == SafeTensorsWriter.MetadataKey)
                {
                    ReadMetadata(property.Value, metadata, source);
                    continue;
                }
                entries.Add(ReadEntry(property.Name, property.Value, source));
            }

            CheckOffsets(entries, data.Length, source);

            var tensors = new List<NamedTensor>(entries.Count);
            foreach (var (name, shape, begin, end) in entries)
            {
                float[] values = new float[(end - begin) / sizeof(float)];
                var raw = data.Slice((int)begin, (int)(end - begin));
                if (BitConverter.IsLittleEndian)
                {
                    raw.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
                }
                else
                {
                    for (int i = 0; i < values.Length; i++)
                    {
                        values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(i * sizeof(float))..]);
                    }
                }
                tensors.Add(new NamedTensor(name, shape, values));
            }
            return new SafeTensorsFile(tensors, metadata);
        }
    }

    private static void ReadMetadata(JsonElement element, Dictionary<string, string> metadata, string source)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Fail(source, $"'{SafeTensorsWriter.MetadataKey}' must be an object of strings, found {element.ValueKind}");
        }
        foreach (var item in element.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw Fail(source, $"metadata '{item.Name}' must be a string, found {item.Value.ValueKind}");
            }
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw Fail(source, $"metadata '{item.Name}' appears twice");
            }
        }
    }

    private static (string Name, int[] Shape, long Begin, long End) ReadEntry(string name, JsonElement element, string source)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Fail(source, $"tensor '{name}': expected an object with dtype, shape and data_offsets, found {element.ValueKind}");
        }
        if (!element.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String)
        {
            throw Fail(source, $"tensor '{name}' has no string 'dtype'");
        }
        if (dtype.GetString() != "F32")
        {
            throw Fail(source, $"tensor '{name}' has dtype '{dtype.GetString()}'; only F32 is supported");
        }
        if (!element.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw Fail(source, $"tensor '{name}' has no 'shape' array");
        }
        var shape = new int[shapeElement.GetArrayLength()];
        int k = 0;
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int dim) || dim < 0)
            {
                throw Fail(source, $"tensor '{name}': shape entries must be non-negative integers, found {d.GetRawText()}");
            }
            shape[k++] = dim;
        }
        if (!element.TryGetProperty("data_offsets", out var offsets)
            || offsets.ValueKind != JsonValueKind.Array
            || offsets.GetArrayLength() != 2)
        {
            throw Fail(source, $"tensor '{name}' has no 'data_offsets' pair [begin, end]");
        }
        long begin = ReadOffset(offsets[0], name, source);
        long end = ReadOffset(offsets[1], name, source);
        if (end < begin)
        {
            throw Fail(source, $"tensor '{name}' has data_offsets [{begin},{end}] that end before they begin");
        }
        long elements;
        try
        {
            elements = NamedTensor.ElementCount(shape, name);
        }
        catch (OverflowException)
        {
            throw Fail(source, $"tensor '{name}' has shape {ShapeText.Format(shape)} whose element count overflows");
        }
        if (elements > int.MaxValue || end - begin != elements * sizeof(float))
        {
            throw Fail(source, $"tensor '{name}' has shape {ShapeText.Format(shape)} = {elements} F32 values = {elements * sizeof(float)} bytes, but data_offsets [{begin},{end}] span {end - begin} bytes");
        }
        return (name, shape, begin, end);
    }

    private static long ReadOffset(JsonElement element, string name, string source)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out long value) || value < 0)
        {
            throw Fail(source, $"tensor '{name}': data_offsets must be non-negative integers, found {element.GetRawText()}");
        }
        return value;
    }

    private static void CheckOffsets(List<(string Name, int[] Shape, long Begin, long End)> entries, int dataLength, string source)
    {
        foreach (var e in entries)
        {
            if (e.End > dataLength)
            {
                throw Fail(source, $"tensor '{e.Name}' has data_offsets [{e.Begin},{e.End}] beyond the {dataLength}-byte data section (truncated file?)");
            }
        }
        // The data section must be tiled exactly: an overlap means two tensors alias the same
        // bytes, a gap or trailing bytes mean the header and the data disagree.
        var ordered = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long position = 0;
        string? previous = null;
        foreach (var e in ordered)
        {
            if (e.Begin < position)
            {
                throw Fail(source, $"tensor '{e.Name}' at data_offsets [{e.Begin},{e.End}] overlaps tensor '{previous}' which ends at {position}");
            }
            if (e.Begin > position)
            {
                throw Fail(source, $"the data section has a gap of {e.Begin - position} bytes before tensor '{e.Name}' at offset {e.Begin}");
            }
            position = e.End;
            previous = e.Name;
        }
        if (position != dataLength)
        {
            throw Fail(source, $"the data section is {dataLength} bytes but the tensors cover only {position}");
        }
    }

    private static SafeTensorsFormatException Fail(string source, string problem, Exception? inner = null)
    {
        string message = $"{source}: not a valid safetensors file: {problem}";
        return inner is null ? new SafeTensorsFormatException(message) : new SafeTensorsFormatException(message, inner);
    }
}
