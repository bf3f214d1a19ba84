using TorchSharp;
using static TorchSharp.torch;

namespace HFedMoE.Model.Nn.MoeLm;

/// <summary>RMSNorm as Mixtral and Qwen3-MoE define it: weight · x / √(mean(x²) + ε), over the last axis.</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly double _eps;

    public RmsNorm(long size, double eps)
        : base(nameof(RmsNorm))
    {
        _eps = eps;
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
        var variance = x.pow(2).mean([-1], keepdim: true);
        return (weight * (x * (variance + _eps).rsqrt())).MoveToOuterDisposeScope();
    }
}
