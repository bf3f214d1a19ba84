using static TorchSharp.torch;

namespace HFedMoE.Model.Nn.MoeLm;

/// <summary>
/// One expert: down(silu(gate(x)) · up(x)). The projections carry the checkpoint's names:
/// Mixtral's w1 (gate), w3 (up), w2 (down); Qwen3-MoE's gate_proj, up_proj, down_proj.
/// </summary>
public sealed class SwiGluExpert : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> _gate;
    private readonly nn.Module<Tensor, Tensor> _up;
    private readonly nn.Module<Tensor, Tensor> _down;

    public SwiGluExpert(bool mixtral, long hidden, long expertHidden)
        : base(nameof(SwiGluExpert))
    {
        _gate = nn.Linear(hidden, expertHidden, hasBias: false);
        _up = nn.Linear(hidden, expertHidden, hasBias: false);
        _down = nn.Linear(expertHidden, hidden, hasBias: false);
        register_module(mixtral ? "w1" : "gate_proj", _gate);
        register_module(mixtral ? "w2" : "down_proj", _down);
        register_module(mixtral ? "w3" : "up_proj", _up);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return _down.forward(nn.functional.silu(_gate.forward(x)) * _up.forward(x)).MoveToOuterDisposeScope();
    }
}
