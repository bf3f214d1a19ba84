using static TorchSharp.torch;

namespace HFedMoE.Model.Nn.TorchMoE;

/// <summary>Layer norm over the last axis with parameters named as our engine's (<c>gamma</c>, <c>beta</c>), ε = 1e-5.</summary>
public sealed class TorchLayerNorm : nn.Module<Tensor, Tensor>
{
    private readonly long[] _shape;

    public TorchLayerNorm(long size, ScalarType dtype, Device device)
        : base(nameof(TorchLayerNorm))
    {
        _shape = [size];
        Gamma = new TorchSharp.Modules.Parameter(ones(size, dtype, device));
        Beta = new TorchSharp.Modules.Parameter(zeros(size, dtype, device));
        register_parameter("gamma", Gamma);
        register_parameter("beta", Beta);
    }

    public TorchSharp.Modules.Parameter Gamma { get; }

    public TorchSharp.Modules.Parameter Beta { get; }

    public override Tensor forward(Tensor x) => nn.functional.layer_norm(x, _shape, Gamma, Beta, HFedMoE.Model.Tensors.LayerNorm.Epsilon);
}
