using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace HFedMoE.Model.Checkpoints;

/// <summary>
/// Writes float32 tensors in the safetensors layout: an 8-byte little-endian header length N,
/// N bytes of UTF-8 JSON (<c>{name: {dtype, shape, data_offsets}}</c> plus an optional
/// <c>__metadata__</c> map of strings), space-padded so the data starts 8-byte aligned, then the
/// raw little-endian tensor bytes back to back in the order given.
/// </summary>
public static class SafeTensorsWriter
{
    internal const string MetadataKey = "__metadata__";

    /// <summary>
    /// Writes the file atomically: the bytes go to a temporary file in the same folder, are
    /// flushed to disk, and only then renamed over <paramref name="path"/>, so a crash leaves
    /// either the old file or the complete new one, never a torn checkpoint.
    /// </summary>
    public static void Write(
        string path,
        IReadOnlyList<NamedTensor> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(directory);
        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                WriteTo(stream, tensors, metadata);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>The complete file as bytes (for tests and for sending over the wire).</summary>
    public static byte[] Serialize(
        IReadOnlyList<NamedTensor> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var memory = new MemoryStream();
        WriteTo(memory, tensors, metadata);
        return memory.ToArray();
    }

    public static void WriteTo(
        Stream stream,
        IReadOnlyList<NamedTensor> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        byte[] header = BuildHeader(tensors, metadata);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var tensor in tensors)
        {
            WriteFloats(stream, tensor.Data);
        }
    }

    private static byte[] BuildHeader(IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    writer.WriteString(key, value);
                }
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach (var tensor in tensors)
            {
                ArgumentNullException.ThrowIfNull(tensor);
                if (tensor.Name == MetadataKey)
                {
                    throw new ArgumentException($"'{MetadataKey}' is reserved for metadata and cannot name a tensor");
                }
                if (!names.Add(tensor.Name))
                {
                    throw new ArgumentException($"tensor '{tensor.Name}' is given twice");
                }
                long end = offset + (long)tensor.Data.Length * sizeof(float);
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", "F32");
                writer.WriteStartArray("shape");
                foreach (int d in tensor.Shape)
                {
                    writer.WriteNumberValue(d);
                }
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(end);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset = end;
            }
            writer.WriteEndObject();
        }
        int unpadded = (int)json.Length;
        int padded = (unpadded + 7) / 8 * 8;
        byte[] header = new byte[padded];
        json.GetBuffer().AsSpan(0, unpadded).CopyTo(header);
        header.AsSpan(unpadded).Fill((byte)' ');
        return header;
    }

    private static void WriteFloats(Stream stream, float[] data)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(data.AsSpan()));
            return;
        }
        byte[] chunk = new byte[4096 * sizeof(float)];
        for (int start = 0; start < data.Length; start += 4096)
        {
            int count = Math.Min(4096, data.Length - start);
            for (int i = 0; i < count; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(chunk.AsSpan(i * sizeof(float)), data[start + i]);
            }
            stream.Write(chunk, 0, count * sizeof(float));
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the original error matters more than a leftover temp file.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
