namespace HFedMoE.Model.Federated;

/// <summary>
/// The knobs of <see cref="HFedMoEPlusStrategy"/> (HOCON <c>hfedmoe.simulate.strategy-options.plus</c>).
/// <paramref name="Selection"/>: which selector picks the budget's experts (HFedMoE's I(e) or s(e),
/// or gradient saliency from the fine-tuning loss as SNIP does).
/// <paramref name="UntrainedWeight"/>: ρ, how much a client that did NOT train an expert counts
/// in that expert's merge, as the previous global value, relative to its |D_c|: 0 is
/// holders-only averaging (HFedMoE's §3 and the top-k baselines), 1 is FedAvg over every client.
/// With n_e holders out of N equal clients the expert moves by κ_e = n_e / (n_e + ρ·(N − n_e)) of
/// the holders' mean change: an expert one client trained no longer takes that client's copy whole.
/// <paramref name="Router"/>: how the router is merged.
/// Defaults: the configuration chosen on the tuning cells (docs/results/tuning.md).
/// </summary>
public sealed record PlusOptions(PlusSelection Selection = PlusSelection.Snip, double UntrainedWeight = 0.25, PlusRouter Router = PlusRouter.Holders)
{
    /// <summary>Throws naming the first out-of-range field.</summary>
    public void Validate()
    {
        if (!(UntrainedWeight >= 0 && UntrainedWeight <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(UntrainedWeight), UntrainedWeight, "the untrained weight ρ must lie in [0, 1]");
        }
        if (!Enum.IsDefined(Selection))
        {
            throw new ArgumentOutOfRangeException(nameof(Selection), Selection, "unknown selection");
        }
        if (!Enum.IsDefined(Router))
        {
            throw new ArgumentOutOfRangeException(nameof(Router), Router, "unknown router merge");
        }
    }
}

/// <summary>Which experts an <see cref="HFedMoEPlusStrategy"/> client trains when the budget binds.</summary>
public enum PlusSelection
{
    /// <summary>Top by I(e) = s(e) − β·KL(e), per batch (HFedMoE's §2).</summary>
    InformationBottleneck,

    /// <summary>Top by s(e), per batch.</summary>
    Importance,

    /// <summary>Top by Σ|θ ⊙ ∂L/∂θ| of the task loss on the round's first batch (SNIP's probe).</summary>
    Snip,
}

/// <summary>How an <see cref="HFedMoEPlusStrategy"/> merges the router.</summary>
public enum PlusRouter
{
    /// <summary>FedAvg by |D_c|.</summary>
    FedAvg,

    /// <summary>HFedMoE's normalised preference weights α̃(c) (§3).</summary>
    Preference,

    /// <summary>Each expert's router column over the clients that trained that expert this round.</summary>
    Holders,
}
