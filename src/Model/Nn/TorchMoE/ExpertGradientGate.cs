using static TorchSharp.torch;

namespace HFedMoE.Model.Nn.TorchMoE;

/// <summary>
/// Identity on an expert's output whose backward asks, at backward time, whether the expert is
/// trained in this step: if not it returns no gradient at all (an undefined tensor, not zeros),
/// so autograd runs none of that expert's backward GEMMs and no gradient reaches its input or
/// weights — the frozen expert of the design (src/Model/README.md). The gate weight multiplying the output is
/// outside the gate, so the router still learns through a frozen expert.
///
/// Why this and not the two ways the brief offers: the trainer scores experts from the routing
/// of a step's forward and only then chooses the mask. (a) a no-grad scoring forward followed by
/// a masked forward costs a second forward every step; (b) <c>autograd.grad(loss, chosen)</c>
/// skips the frozen experts' weight GEMMs but still sends gradient through them into their
/// inputs (the layer norm, router, attention and embeddings), which a frozen expert must not —
/// the shared parameters' gradients would differ. The gate keeps one forward and the same gradients.
/// </summary>
internal sealed class ExpertGradientGate : autograd.SingleTensorFunction<ExpertGradientGate>
{
    private const string SwitchKey = "switch";
    private const string LayerKey = "layer";
    private const string ExpertKey = "expert";

    public override string Name => nameof(ExpertGradientGate);

    /// <summary>Gates <paramref name="output"/> of expert (<paramref name="layer"/>, <paramref name="expert"/>) by <paramref name="frozen"/>, read when backward runs.</summary>
    public static Tensor Apply(Tensor output, FrozenExperts frozen, int layer, int expert) => apply(output, frozen, layer, expert);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(vars);
        ctx.save_data(SwitchKey, vars[1]);
        ctx.save_data(LayerKey, vars[2]);
        ctx.save_data(ExpertKey, vars[3]);
        return ((Tensor)vars[0]).alias();
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var frozen = (FrozenExperts)ctx.get_data(SwitchKey);
        bool isFrozen = frozen.IsFrozen((int)ctx.get_data(LayerKey), (int)ctx.get_data(ExpertKey));
        // One entry per forward argument; the non-tensor ones get null.
        return [isFrozen ? null! : grad_output.alias(), null!, null!, null!];
    }
}
