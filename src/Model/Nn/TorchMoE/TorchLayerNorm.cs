using static TorchSharp.torch;

namespace HFedMoE.Model.Nn.TorchMoE;

/// <summary>Layer norm over the last axis with parameters named <c>gamma</c> and <c>beta</c> (<see cref="ParameterNames"/>), ε = 1e-5.</summary>
public sealed class TorchLayerNorm : nn.Module<Tensor, Tensor>
{
    /// <summary>1e-5 as a float (widened for libtorch): the value every model so far trained with, kept so runs continue bit for bit.</summary>
    public const float Epsilon = 1e-5f;

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

    public override Tensor forward(Tensor x) => nn.functional.layer_norm(x, _shape, Gamma, Beta, Epsilon);
}
