using System.Globalization;

namespace HFedMoE.Model.Torch;

/// <summary>
/// Where the model's tensors live and how many threads libtorch uses, as configured in
/// <c>hfedmoe.model.device</c> (<c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>) and
/// <c>hfedmoe.model.threads</c> (0: libtorch's default). <see cref="Parse"/> checks the form only;
/// whether the device exists is checked by <see cref="TorchDevice.Open"/>, which needs libtorch.
/// </summary>
public sealed record TorchSettings
{
    public const string DeviceKey = "hfedmoe.model.device";
    public const string ThreadsKey = "hfedmoe.model.threads";

    /// <summary>More intra-op threads than this is a typo, not a machine.</summary>
    public const int MaxThreads = 1024;

    private TorchSettings(TorchDeviceKind kind, int index, int threads)
    {
        Kind = kind;
        Index = index;
        Threads = threads;
    }

    public static TorchSettings Cpu { get; } = new(TorchDeviceKind.Cpu, -1, 0);

    public TorchDeviceKind Kind { get; }

    /// <summary>The CUDA device ordinal; -1 for <c>cpu</c> and for plain <c>cuda</c> (the current device).</summary>
    public int Index { get; }

    /// <summary>libtorch intra-op threads; 0 keeps libtorch's default (one per core).</summary>
    public int Threads { get; }

    /// <summary>The device as written in the configuration: <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public string Device => Kind == TorchDeviceKind.Cpu ? "cpu" : Index < 0 ? "cuda" : string.Create(CultureInfo.InvariantCulture, $"cuda:{Index}");

    /// <exception cref="ArgumentException">The value is not one of the accepted forms; the message names the key.</exception>
    public static TorchSettings Parse(string device, int threads)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (threads < 0 || threads > MaxThreads)
        {
            throw new ArgumentException($"{ThreadsKey} = {threads}; expected 0 (libtorch's default) or a thread count from 1 to {MaxThreads}");
        }
        string text = device.Trim();
        if (text == "cpu")
        {
            return new TorchSettings(TorchDeviceKind.Cpu, -1, threads);
        }
        if (text == "cuda")
        {
            return new TorchSettings(TorchDeviceKind.Cuda, -1, threads);
        }
        const string prefix = "cuda:";
        if (text.StartsWith(prefix, StringComparison.Ordinal)
            && text.Length > prefix.Length
            && text.AsSpan(prefix.Length).IndexOfAnyExceptInRange('0', '9') < 0
            && int.TryParse(text.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            return new TorchSettings(TorchDeviceKind.Cuda, index, threads);
        }
        throw new ArgumentException($"{DeviceKey} = '{device}'; expected cpu, cuda or cuda:N (N a device number such as 0)");
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Device}, {(Threads == 0 ? "default" : Threads.ToString(CultureInfo.InvariantCulture))} threads");
}
