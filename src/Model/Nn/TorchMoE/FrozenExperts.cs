namespace HFedMoE.Model.Nn.TorchMoE;

/// <summary>
/// The experts frozen in the backward that is about to run, shared by a model's
/// <see cref="ExpertGradientGate"/>s: set just before <c>backward()</c>, read while it runs.
/// </summary>
internal sealed class FrozenExperts
{
    private ExpertMask? _mask;

    public void Set(ExpertMask? mask) => _mask = mask;

    public bool IsFrozen(int layer, int expert) => _mask is not null && _mask[layer, expert];
}
