using System.Globalization;
using TorchSharp;

namespace HFedMoE.Model.Torch;

/// <summary>
/// The device every tensor of the model is created on, opened from <see cref="TorchSettings"/>:
/// libtorch is loaded (<see cref="TorchNative.EnsureLoaded"/>), a CUDA device is checked to exist
/// (a clear <see cref="TorchNativeException"/> naming <c>hfedmoe.model.device</c>, not a native
/// crash at the first tensor), and libtorch's intra-op thread count is set. The thread count is
/// libtorch's process-wide setting, so open the device once at start-up, not per trainer.
/// </summary>
public sealed class TorchDevice
{
    private TorchDevice(TorchSettings settings, torch.Device device, int threads)
    {
        Settings = settings;
        Device = device;
        Threads = threads;
    }

    public TorchSettings Settings { get; }

    /// <summary>Pass as <c>device:</c> to every tensor factory and <c>Module.to</c>.</summary>
    public torch.Device Device { get; }

    /// <summary>libtorch's intra-op threads after opening (the configured count, or its default).</summary>
    public int Threads { get; }

    public bool IsCuda => Settings.Kind == TorchDeviceKind.Cuda;

    /// <exception cref="TorchNativeException">libtorch did not load, or the CUDA device is not there.</exception>
    public static TorchDevice Open(TorchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        TorchNative.EnsureLoaded();
        torch.Device device;
        if (settings.Kind == TorchDeviceKind.Cuda)
        {
            if (!torch.cuda.is_available())
            {
                throw new TorchNativeException(
                    $"{TorchSettings.DeviceKey} = {settings.Device}, but CUDA is not available in this process: this build uses the CPU libtorch " +
                    "(TorchSharp-cpu) or no GPU driver is loaded. Set it to cpu, or build with -p:TorchBackend=cuda on a machine with an NVIDIA GPU (see README.md).");
            }
            int count = torch.cuda.device_count();
            if (settings.Index >= count)
            {
                throw new TorchNativeException(string.Create(CultureInfo.InvariantCulture,
                    $"{TorchSettings.DeviceKey} = {settings.Device}, but this machine has {count} CUDA device(s) (cuda:0 to cuda:{count - 1})"));
            }
            torch.InitializeDeviceType(DeviceType.CUDA);
            device = settings.Index < 0 ? new torch.Device(DeviceType.CUDA) : new torch.Device(DeviceType.CUDA, settings.Index);
        }
        else
        {
            device = torch.CPU;
        }
        if (settings.Threads > 0)
        {
            torch.set_num_threads(settings.Threads);
        }
        return new TorchDevice(settings, device, torch.get_num_threads());
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Device} ({Threads} threads)");
}
