using static TorchSharp.torch;

namespace HFedMoE.Model.Checkpoints;

/// <summary>
/// Saves and loads a TorchSharp module's parameters as a safetensors file (the project's own
/// <see cref="SafeTensorsWriter"/> / <see cref="SafeTensorsReader"/>, F32), one tensor per
/// parameter under its <c>named_parameters()</c> name. Loading checks, as
/// <see cref="ModelCheckpoint"/> does for a <see cref="Nn.ParameterStore"/>, that the file declares exactly the module's
/// parameters with the module's shapes before a single value is copied, so a bad checkpoint
/// leaves the module untouched. Values are copied onto each parameter's own device and dtype.
/// </summary>
public static class TorchModuleCheckpoint
{
    public static void Save(string path, nn.Module module, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        SafeTensorsWriter.Write(path, ToTensors(module), metadata);
    }

    /// <summary>The module's parameters as named float32 tensors (copies on the CPU).</summary>
    public static IReadOnlyList<NamedTensor> ToTensors(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var tensors = new List<NamedTensor>();
        foreach (var (name, parameter) in module.named_parameters())
        {
            using var cpu = parameter.detach().to(ScalarType.Float32).cpu().contiguous();
            tensors.Add(new NamedTensor(name, Shape(parameter), cpu.data<float>().ToArray()));
        }
        return tensors;
    }

    /// <summary>Loads the file into <paramref name="module"/> and returns its metadata.</summary>
    /// <exception cref="SafeTensorsFormatException">The file is not a valid safetensors file.</exception>
    /// <exception cref="CheckpointMismatchException">The file does not fit the module (every problem named).</exception>
    public static IReadOnlyDictionary<string, string> Load(string path, nn.Module module, CheckpointLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        var file = SafeTensorsReader.Read(path);
        CopyInto(file, module, path, options);
        return file.Metadata;
    }

    /// <summary>Copies a parsed file into <paramref name="module"/> after checking it fits.</summary>
    public static void CopyInto(SafeTensorsFile file, nn.Module module, string source = "<memory>", CheckpointLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(module);
        options ??= CheckpointLoadOptions.Strict;
        var parameters = module.named_parameters().ToList();
        var declared = parameters.Select(p => p.name).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        var load = new List<(string Name, TorchSharp.Modules.Parameter Parameter)>(parameters.Count);
        foreach (var (name, parameter) in parameters)
        {
            if (options.Keeps(name))
            {
                continue;
            }
            int[] expected = Shape(parameter);
            if (!file.Contains(name))
            {
                problems.Add($"missing tensor '{name}' (expected shape {ShapeText.Format(expected)})");
                continue;
            }
            var found = file[name].Shape;
            if (!found.AsSpan().SequenceEqual(expected))
            {
                problems.Add($"tensor '{name}' has shape {ShapeText.Format(found)} but the model expects {ShapeText.Format(expected)}");
                continue;
            }
            load.Add((name, parameter));
        }
        foreach (var tensor in file.Tensors)
        {
            if (!declared.Contains(tensor.Name) && !options.IgnoreUnexpected)
            {
                problems.Add($"unexpected tensor '{tensor.Name}' with shape {ShapeText.Format(tensor.Shape)} that the model does not declare");
            }
        }
        if (problems.Count > 0)
        {
            throw new CheckpointMismatchException($"{source}: checkpoint does not match the model: {string.Join("; ", problems)}");
        }
        using var noGrad = no_grad();
        foreach (var (name, parameter) in load)
        {
            var stored = file[name];
            using var values = tensor(stored.Data, [.. stored.Shape.Select(d => (long)d)]);
            parameter.copy_(values);
        }
    }

    private static int[] Shape(TorchSharp.Modules.Parameter parameter) => [.. parameter.shape.Select(d => checked((int)d))];
}
