using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Text.Json;

namespace HFedMoE.Model.HuggingFace;

/// <summary>
/// One safetensors file, memory-mapped: the header is parsed and checked when opened, a tensor's
/// bytes are read only when asked for, so pages of tensors never read are never brought into memory.
/// </summary>
internal sealed unsafe class SafeTensorsShard : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly long _dataStart;

    private SafeTensorsShard(string path, MemoryMappedFile file, MemoryMappedViewAccessor view, long dataStart, Dictionary<string, Entry> entries)
    {
        Path = path;
        _file = file;
        _view = view;
        _dataStart = dataStart;
        Entries = entries;
        byte* p = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _base = p + view.PointerOffset;
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, Entry> Entries { get; }

    public static SafeTensorsShard Open(string path)
    {
        long length = new FileInfo(path).Length;
        if (length < 8)
        {
            throw new HfFormatException($"{path}: {length} bytes, shorter than the 8-byte header length of a safetensors file");
        }
        byte[] prefix = new byte[8];
        using (var stream = File.OpenRead(path))
        {
            stream.ReadExactly(prefix);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLength > 100_000_000 || (long)headerLength > length - 8)
            {
                throw new HfFormatException($"{path}: header length {headerLength} does not fit the {length}-byte file (truncated or not safetensors)");
            }
            byte[] header = new byte[headerLength];
            stream.ReadExactly(header);
            var entries = ParseHeader(path, header, length - 8 - (long)headerLength);
            var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            return new SafeTensorsShard(path, file, view, 8 + (long)headerLength, entries);
        }
    }

    public ReadOnlySpan<byte> Bytes(Entry entry) => new(_base + _dataStart + entry.Begin, checked((int)(entry.End - entry.Begin)));

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }

    private static Dictionary<string, Entry> ParseHeader(string path, byte[] header, long dataLength)
    {
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new HfFormatException($"{path}: the safetensors header is not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name == "__metadata__")
                {
                    continue;
                }
                try
                {
                    string dtype = p.Value.GetProperty("dtype").GetString()!;
                    int[] shape = [.. p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32())];
                    var offsets = p.Value.GetProperty("data_offsets");
                    long begin = offsets[0].GetInt64(), end = offsets[1].GetInt64();
                    long elements = shape.Aggregate(1L, (a, b) => a * b);
                    if (dtype is HfDtype.F32 or HfDtype.F16 or HfDtype.BF16)
                    {
                        long expected = elements * HfDtype.Size(dtype);
                        if (begin < 0 || end < begin || end > dataLength || end - begin != expected)
                        {
                            throw new HfFormatException($"{path}: tensor '{p.Name}' has data_offsets [{begin}, {end}] for {expected} bytes ({dtype} [{string.Join(", ", shape)}]) in a {dataLength}-byte data section");
                        }
                    }
                    entries[p.Name] = new Entry(dtype, shape, begin, end);
                }
                catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException)
                {
                    throw new HfFormatException($"{path}: header entry of tensor '{p.Name}' is malformed: {e.Message}", e);
                }
            }
        }
        return entries;
    }

    internal sealed record Entry(string Dtype, int[] Shape, long Begin, long End);
}
