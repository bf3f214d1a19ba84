using HFedMoE.Model.HuggingFace;
using HFedMoE.Model.Nn.MoeLm;
using HFedMoE.Model.Torch;
using static TorchSharp.torch;

namespace HFedMoE.Model.Tests.HuggingFace;

/// <summary>A client holding only some experts: it allocates only those, and computes what the full model computes with the others silent.</summary>
public sealed class PartialExpertsTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("hfedmoe-partial-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory]
    [InlineData(HfArchitecture.Mixtral)]
    [InlineData(HfArchitecture.Qwen3Moe)]
    public void Held_experts_only_equal_the_full_model_with_the_others_zeroed(HfArchitecture arch)
    {
        TorchNative.EnsureLoaded();
        var config = TinyHfCheckpoint.Config(arch);
        TinyHfCheckpoint.Write(_dir.FullName, config, seed: 9);
        using var checkpoint = HfCheckpoint.Open(_dir.FullName);
        bool Holds(int l, int e) => (l + e) % 3 == 0;
        using var partial = MoeCausalLm.FromCheckpoint(checkpoint, Holds);
        var names = partial.ParametersByName().Keys.ToHashSet();
        foreach (var spec in checkpoint.Layout.Tensors)
        {
            Assert.Equal(!spec.IsExpert || Holds(spec.Layer, spec.Expert), names.Contains(spec.HfName));
        }
        using var silenced = new MoeCausalLm(config);
        silenced.LoadWeights(name => checkpoint.Layout.TryGetByHfName(name, out var s) && s.IsExpert && !Holds(s.Layer, s.Expert)
            ? new float[s.Elements]
            : checkpoint.Read(name));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(Enumerable.Range(0, 24).Select(i => (long)(i * 37 % 256)).ToArray(), [2, 12]);
        var a = partial.Forward(ids).Logits;
        var b = silenced.Forward(ids).Logits;
        Assert.True((a - b).abs().max().item<float>() < 1e-5f);
        // And it is not the full model: the silenced experts did matter.
        using var full = MoeCausalLm.FromCheckpoint(checkpoint);
        Assert.True((full.Forward(ids).Logits - a).abs().max().item<float>() > 1e-3f);
    }
}
