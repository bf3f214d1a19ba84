using static TorchSharp.torch;

namespace HFedMoE.Model.Nn.TorchMoE;

/// <summary>A linear head x·W + b with W stored (in, out) and named <c>w</c>, <c>b</c> (<c>head.*</c>, <c>lm_head.*</c>).</summary>
public sealed class TorchLinearHead : nn.Module<Tensor, Tensor>
{
    public TorchLinearHead(long input, long output, ScalarType dtype, Device device)
        : base(nameof(TorchLinearHead))
    {
        W = new TorchSharp.Modules.Parameter(zeros([input, output], dtype, device));
        B = new TorchSharp.Modules.Parameter(zeros(output, dtype, device));
        register_parameter("w", W);
        register_parameter("b", B);
    }

    public TorchSharp.Modules.Parameter W { get; }

    public TorchSharp.Modules.Parameter B { get; }

    public override Tensor forward(Tensor x) => B.addmm(x, W);
}
