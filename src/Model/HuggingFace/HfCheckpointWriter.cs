using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HFedMoE.Model.HuggingFace;

/// <summary>
/// Writes a model in the Hugging Face layout: <c>config.json</c> (the source's keys unchanged,
/// <c>torch_dtype</c> set to the dtype written), the weights as one <c>model.safetensors</c> or,
/// past <paramref name="maxShardBytes"/>, as <c>model-0000N-of-0000M.safetensors</c> shards with
/// <c>model.safetensors.index.json</c>, and the tokenizer files copied from a source folder.
/// Each file is written beside its final name and renamed into place, so a crash leaves no
/// half-written file under a real name.
/// </summary>
public static class HfCheckpointWriter
{
    public static IReadOnlyList<string> Write(
        string folder,
        HfConfig config,
        Func<string, float[]> valuesOf,
        string? dtype = null,
        long maxShardBytes = 5L << 30,
        string? companionsFrom = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(valuesOf);
        string st = dtype ?? HfDtype.FromTorch(config.TorchDtype);
        int size = HfDtype.Size(st);
        Directory.CreateDirectory(folder);
        var layout = new HfTensorLayout(config);

        var groups = new List<List<HfTensorSpec>> { new() };
        long inGroup = 0;
        foreach (var spec in layout.Tensors)
        {
            long bytes = spec.Elements * size;
            if (inGroup > 0 && inGroup + bytes > maxShardBytes)
            {
                groups.Add([]);
                inGroup = 0;
            }
            groups[^1].Add(spec);
            inGroup += bytes;
        }
        var written = new List<string>();
        var weightMap = new JsonObject();
        for (int g = 0; g < groups.Count; g++)
        {
            string file = groups.Count == 1
                ? HfCheckpoint.SingleFile
                : string.Create(CultureInfo.InvariantCulture, $"model-{g + 1:D5}-of-{groups.Count:D5}.safetensors");
            WriteShard(Path.Combine(folder, file), groups[g], valuesOf, st);
            written.Add(file);
            foreach (var spec in groups[g])
            {
                weightMap[spec.HfName] = file;
            }
        }
        string index = Path.Combine(folder, HfCheckpoint.IndexFile);
        if (groups.Count > 1)
        {
            var doc = new JsonObject
            {
                ["metadata"] = new JsonObject { ["total_size"] = layout.Elements * size },
                ["weight_map"] = weightMap,
            };
            WriteText(index, doc.ToJsonString(Indented));
        }
        else if (File.Exists(index))
        {
            File.Delete(index); // a stale index from an earlier sharded export would point elsewhere
        }

        var raw = (JsonObject)config.Raw.DeepClone();
        raw.Remove("dtype");
        raw["torch_dtype"] = st switch { HfDtype.F16 => "float16", HfDtype.BF16 => "bfloat16", _ => "float32" };
        WriteText(Path.Combine(folder, "config.json"), raw.ToJsonString(Indented));

        if (companionsFrom is not null && Path.GetFullPath(companionsFrom) != Path.GetFullPath(folder))
        {
            foreach (string name in HfCheckpoint.CompanionFiles)
            {
                string source = Path.Combine(companionsFrom, name);
                if (File.Exists(source))
                {
                    File.Copy(source, Path.Combine(folder, name), overwrite: true);
                    written.Add(name);
                }
            }
        }
        return written;
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static void WriteShard(string path, List<HfTensorSpec> specs, Func<string, float[]> valuesOf, string dtype)
    {
        int size = HfDtype.Size(dtype);
        var header = new JsonObject { ["__metadata__"] = new JsonObject { ["format"] = "pt" } };
        long offset = 0;
        foreach (var spec in specs)
        {
            long bytes = spec.Elements * size;
            header[spec.HfName] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray([.. spec.Shape.Select(d => (JsonNode)d)]),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        byte[] json = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
        int pad = (8 - (json.Length % 8)) % 8; // data section 8-byte aligned, padded with spaces as the format allows
        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            Span<byte> prefix = stackalloc byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)(json.Length + pad));
            stream.Write(prefix);
            stream.Write(json);
            for (int i = 0; i < pad; i++)
            {
                stream.WriteByte((byte)' ');
            }
            foreach (var spec in specs)
            {
                float[] values = valuesOf(spec.HfName);
                if (values.Length != spec.Elements)
                {
                    throw new HfFormatException($"tensor '{spec.HfName}' has {values.Length} values; shape [{string.Join(", ", spec.Shape)}] needs {spec.Elements}");
                }
                byte[] buffer = new byte[values.Length * size];
                HfDtype.Encode(dtype, values, buffer);
                stream.Write(buffer);
            }
        }
        File.Move(temp, path, overwrite: true);
    }

    private static void WriteText(string path, string text)
    {
        string temp = path + ".tmp";
        File.WriteAllText(temp, text);
        File.Move(temp, path, overwrite: true);
    }
}
