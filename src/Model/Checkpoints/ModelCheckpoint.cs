using HFedMoE.Model.Nn;

namespace HFedMoE.Model.Checkpoints;

/// <summary>
/// Saves and loads a <see cref="ParameterStore"/>'s values as a safetensors file, one tensor
/// per named slice (gradients are not saved). Loading checks that the file declares exactly
/// the model's parameters with the model's shapes before it copies a single value, so a bad
/// checkpoint leaves the model untouched.
/// </summary>
public static class ModelCheckpoint
{
    public static void Save(string path, ParameterStore store, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        SafeTensorsWriter.Write(path, ToTensors(store), metadata);
    }

    /// <summary>The store's parameters as named tensors (copies, safe to hand to another thread).</summary>
    public static IReadOnlyList<NamedTensor> ToTensors(ParameterStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        var tensors = new List<NamedTensor>(store.Slices.Count);
        foreach (var slice in store.Slices)
        {
            tensors.Add(new NamedTensor(slice.Name, (int[])slice.Shape.Clone(), store.Values.AsSpan(slice.Offset, slice.Length).ToArray()));
        }
        return tensors;
    }

    /// <summary>Loads the file into <paramref name="store"/> and returns its metadata.</summary>
    public static IReadOnlyDictionary<string, string> Load(string path, ParameterStore store, CheckpointLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var file = SafeTensorsReader.Read(path);
        CopyInto(file, store, path, options);
        return file.Metadata;
    }

    /// <summary>Copies a parsed file into <paramref name="store"/> after checking it fits.</summary>
    public static void CopyInto(SafeTensorsFile file, ParameterStore store, string source = "<memory>", CheckpointLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(store);
        options ??= CheckpointLoadOptions.Strict;
        var problems = new List<string>();
        var load = new List<ParameterSlice>(store.Slices.Count);
        foreach (var slice in store.Slices)
        {
            if (options.Keeps(slice.Name))
            {
                continue;
            }
            load.Add(slice);
            if (!file.Contains(slice.Name))
            {
                problems.Add($"missing tensor '{slice.Name}' (expected shape {ShapeText.Format(slice.Shape)})");
                continue;
            }
            var found = file[slice.Name].Shape;
            if (!found.AsSpan().SequenceEqual(slice.Shape))
            {
                problems.Add($"tensor '{slice.Name}' has shape {ShapeText.Format(found)} but the model expects {ShapeText.Format(slice.Shape)}");
            }
        }
        foreach (var tensor in file.Tensors)
        {
            if (!store.Contains(tensor.Name) && !options.IgnoreUnexpected)
            {
                problems.Add($"unexpected tensor '{tensor.Name}' with shape {ShapeText.Format(tensor.Shape)} that the model does not declare");
            }
        }
        if (problems.Count > 0)
        {
            throw new CheckpointMismatchException($"{source}: checkpoint does not match the model: {string.Join("; ", problems)}");
        }
        foreach (var slice in load)
        {
            file[slice.Name].Data.CopyTo(store.Values.AsSpan(slice.Offset, slice.Length));
        }
    }
}
