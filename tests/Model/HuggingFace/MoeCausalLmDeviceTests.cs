using HFedMoE.Model.HuggingFace;
using HFedMoE.Model.Nn.MoeLm;
using HFedMoE.Model.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace HFedMoE.Model.Tests.HuggingFace;

/// <summary>
/// The Hugging Face model on a device other than the CPU. No GPU here, so libtorch's meta device
/// (shapes, no data) stands in for one: whatever is placed or created on the CPU by mistake shows up
/// as a tensor off the meta device, or as a device-mismatch error in the op that mixes them.
/// </summary>
public sealed class MoeCausalLmDeviceTests
{
    private static readonly HfConfig Config = TinyHfCheckpoint.Config(HfArchitecture.Qwen3Moe, layers: 1, experts: 4, vocab: 64, hidden: 32, expertHidden: 16);

    public MoeCausalLmDeviceTests() => TorchNative.EnsureLoaded();

    [Fact]
    public void Every_parameter_lives_on_the_models_device_and_weights_load_onto_it()
    {
        using var model = new MoeCausalLm(Config, device: META);
        var weights = TinyHfCheckpoint.RandomWeights(Config, 3);

        model.LoadWeights((name, span) => weights[name].CopyTo(span));
        model.LoadWeights(name => weights[name]);

        Assert.Equal(DeviceType.META, model.Device.type);
        Assert.All(model.named_parameters(), p => Assert.Equal(DeviceType.META, p.parameter.device_type));
        using var cpu = new MoeCausalLm(Config);
        Assert.Equal(cpu.named_parameters().Select(p => p.name), model.named_parameters().Select(p => p.name));
    }

    [Fact]
    public void The_rotary_tables_are_made_on_the_device_asked_for()
    {
        var (cos, sin) = RotaryEmbedding.Tables(8, Config.HeadDim, Config.RopeTheta, META);
        using (cos)
        using (sin)
        {
            Assert.Equal((DeviceType.META, DeviceType.META), (cos.device_type, sin.device_type));
            Assert.Equal([8L, Config.HeadDim], cos.shape);
        }
    }

    [Fact]
    public void Token_ids_on_another_device_are_refused_naming_both_devices()
    {
        using var model = new MoeCausalLm(Config);
        using var ids = zeros([1, 4], ScalarType.Int64, META);

        var e = Assert.Throws<ArgumentException>(() => model.Forward(ids));
        Assert.Contains("token ids are on meta", e.Message, StringComparison.Ordinal);
        Assert.Contains("model is on cpu", e.Message, StringComparison.Ordinal);
    }
}
