using HFedMoE.Model.Torch;
using TorchSharp;

namespace HFedMoE.Model.Tests.Torch;

[Collection(LibTorchThreadsCollection.Name)]
public sealed class TorchSettingsTests
{
    [Theory]
    [InlineData("cpu", TorchDeviceKind.Cpu, -1)]
    [InlineData("cuda", TorchDeviceKind.Cuda, -1)]
    [InlineData("cuda:0", TorchDeviceKind.Cuda, 0)]
    [InlineData(" cuda:12 ", TorchDeviceKind.Cuda, 12)]
    public void Accepted_device_forms_parse(string text, TorchDeviceKind kind, int index)
    {
        var s = TorchSettings.Parse(text, threads: 2);
        Assert.Equal(kind, s.Kind);
        Assert.Equal(index, s.Index);
        Assert.Equal(2, s.Threads);
        Assert.Equal(text.Trim(), s.Device);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("CPU")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:+1")]
    [InlineData("cuda:1:2")]
    [InlineData("cuda:x")]
    [InlineData("cuda:99999999999")]
    [InlineData("")]
    public void Other_device_values_are_refused_naming_the_key_and_the_forms(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => TorchSettings.Parse(text, 0));
        Assert.Contains($"hfedmoe.model.device = '{text}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("expected cpu, cuda or cuda:N", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(TorchSettings.MaxThreads + 1)]
    public void A_thread_count_out_of_range_is_refused_naming_the_key(int threads)
    {
        var e = Assert.Throws<ArgumentException>(() => TorchSettings.Parse("cpu", threads));
        Assert.Contains($"hfedmoe.model.threads = {threads}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_cpu_device_sets_libtorch_threads_and_tensors_are_created_on_it()
    {
        int before = TorchDevice.Open(TorchSettings.Cpu).Threads;
        try
        {
            var device = TorchDevice.Open(TorchSettings.Parse("cpu", 1));
            Assert.Equal(1, device.Threads);
            Assert.Equal(1, torch.get_num_threads());
            Assert.Equal(DeviceType.CPU, device.Device.type);
            using var t = torch.zeros(3, device: device.Device);
            Assert.Equal(DeviceType.CPU, t.device_type);
            // 0 leaves the process's setting alone.
            Assert.Equal(1, TorchDevice.Open(TorchSettings.Cpu).Threads);
        }
        finally
        {
            torch.set_num_threads(before);
        }
    }

    [Fact]
    public void Cuda_without_a_cuda_libtorch_is_a_clear_error_not_a_crash()
    {
        TorchNative.EnsureLoaded();
        if (torch.cuda.is_available())
        {
            // A GPU machine: the device opens, and a number past the last device is refused by name.
            Assert.True(TorchDevice.Open(TorchSettings.Parse("cuda", 0)).IsCuda);
            var tooFar = Assert.Throws<TorchNativeException>(() => TorchDevice.Open(TorchSettings.Parse($"cuda:{torch.cuda.device_count()}", 0)));
            Assert.Contains("hfedmoe.model.device", tooFar.Message, StringComparison.Ordinal);
            return;
        }
        foreach (string text in new[] { "cuda", "cuda:0", "cuda:3" })
        {
            var e = Assert.Throws<TorchNativeException>(() => TorchDevice.Open(TorchSettings.Parse(text, 0)));
            Assert.Contains($"hfedmoe.model.device = {text}, but CUDA is not available", e.Message, StringComparison.Ordinal);
            Assert.Contains("-p:TorchBackend=cuda", e.Message, StringComparison.Ordinal);
        }
        // The process still trains on the CPU afterwards.
        using var x = torch.ones(2, 2);
        Assert.Equal(4f, x.sum().item<float>());
    }
}
