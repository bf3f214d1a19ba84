using static TorchSharp.torch;

namespace HFedMoE.Model.Nn.TorchMoE;

/// <summary>
/// One expert FFN: W2·GELU(x·W1 + b1) + b2, GELU the tanh approximation.
/// Weights are stored (in, out) as in <see cref="ParameterStore"/>, so loading is a plain copy.
/// </summary>
public sealed class TorchExpert : nn.Module<Tensor, Tensor>
{
    public TorchExpert(long d, long hidden, ScalarType dtype, Device device)
        : base(nameof(TorchExpert))
    {
        W1 = new TorchSharp.Modules.Parameter(zeros([d, hidden], dtype, device));
        B1 = new TorchSharp.Modules.Parameter(zeros(hidden, dtype, device));
        W2 = new TorchSharp.Modules.Parameter(zeros([hidden, d], dtype, device));
        B2 = new TorchSharp.Modules.Parameter(zeros(d, dtype, device));
        register_parameter("w1", W1);
        register_parameter("b1", B1);
        register_parameter("w2", W2);
        register_parameter("b2", B2);
    }

    public TorchSharp.Modules.Parameter W1 { get; }

    public TorchSharp.Modules.Parameter B1 { get; }

    public TorchSharp.Modules.Parameter W2 { get; }

    public TorchSharp.Modules.Parameter B2 { get; }

    /// <summary>x: (count, d) → (count, d).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = nn.functional.gelu(B1.addmm(x, W1), TorchSharp.Modules.GELU.Approximate.tanh);
        return B2.addmm(h, W2).MoveToOuterDisposeScope();
    }
}
