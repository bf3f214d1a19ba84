using TorchSharp;
using static TorchSharp.torch;

namespace HFedMoE.Model.Nn.MoeLm;

/// <summary>RMSNorm as Mixtral and Qwen3-MoE define it: weight · x / √(mean(x²) + ε), over the last axis.</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    // Held, not converted on the fly: see TorchMoETransformer.
    private readonly TorchSharp.Scalar _eps;
    private readonly TorchSharp.Scalar _one = 1.ToScalar();

    public RmsNorm(long size, double eps)
        : base(nameof(RmsNorm))
    {
        _eps = eps.ToScalar();
        weight = nn.Parameter(ones(size));
        RegisterComponents();
    }

    // Named like the checkpoint's tensor (…layernorm.weight); TorchSharp registers fields by name.
#pragma warning disable IDE1006, CA1051
    public readonly TorchSharp.Modules.Parameter weight;
#pragma warning restore IDE1006, CA1051

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        // x·x, not pow(2), and a held ε: no Scalar converted on the fly (see TorchMoETransformer).
        var variance = x.mul(x).mean([-1], keepdim: true);
        return (weight * (x * variance.add(_eps, _one).rsqrt())).MoveToOuterDisposeScope();
    }
}
