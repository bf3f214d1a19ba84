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
/// <paramref name="ServerMomentum"/>: β of a server step per expert after the merge (FedAvgM over
/// holders only): m_e ← β·m_e + Δ_e, x_e ← x_e + η_e·m_e, where Δ_e is the merged change of expert
/// e; an expert no client trained this round keeps m_e and does not move.
/// <paramref name="ServerLearningRate"/>: η of that step.
/// <paramref name="HolderLrExponent"/>: γ in η_e = η·(n_e / N)^γ, n_e the expert's holders and N the
/// accepted updates (0: every expert steps by η).
/// <paramref name="ExploreAfter"/>: K; an expert no accepted update trained for K rounds or more is
/// "stale" and the plans ask clients to rank it first among the routed experts they select from,
/// within the same budget (0: off). <paramref name="ExploreSlots"/>: at most this many of a
/// client's budget go to stale experts.
/// With β = 0, η = 1, γ = 0 there is no server step; K = 0 leaves selection alone.
/// Defaults: the configuration chosen on the tuning cells (docs/results/tuning.md).
/// </summary>
public sealed record PlusOptions(
    PlusSelection Selection = PlusSelection.Snip,
    double UntrainedWeight = 0.25,
    PlusRouter Router = PlusRouter.Holders,
    double ServerMomentum = 0,
    double ServerLearningRate = 1,
    double HolderLrExponent = 0,
    int ExploreAfter = 0,
    int ExploreSlots = 1)
{
    /// <summary>Whether the merge is followed by the server step (momentum or a learning rate other than plain averaging).</summary>
    public bool HasServerStep => ServerMomentum != 0 || ServerLearningRate != 1 || HolderLrExponent != 0;

    /// <summary>Throws naming the first out-of-range field.</summary>
    public void Validate()
    {
        if (!(UntrainedWeight >= 0 && UntrainedWeight <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(UntrainedWeight), UntrainedWeight, "the untrained weight ρ must lie in [0, 1]");
        }
        if (!(ServerMomentum >= 0 && ServerMomentum < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ServerMomentum), ServerMomentum, "the server momentum β must lie in [0, 1)");
        }
        if (!(ServerLearningRate > 0 && ServerLearningRate <= 10))
        {
            throw new ArgumentOutOfRangeException(nameof(ServerLearningRate), ServerLearningRate, "the server learning rate η must lie in (0, 10]");
        }
        if (!(HolderLrExponent >= 0 && HolderLrExponent <= 4))
        {
            throw new ArgumentOutOfRangeException(nameof(HolderLrExponent), HolderLrExponent, "the holder learning-rate exponent γ must lie in [0, 4]");
        }
        if (ExploreAfter < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ExploreAfter), ExploreAfter, "explore-after K must be ≥ 0 rounds (0: off)");
        }
        if (ExploreSlots < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ExploreSlots), ExploreSlots, "explore slots must be ≥ 1");
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
