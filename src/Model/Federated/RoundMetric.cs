namespace HFedMoE.Model.Federated;

/// <summary>Names of the metrics a training round reports.</summary>
public static class RoundMetric
{
    public const string Accepted = "updates.accepted";
    public const string Rejected = "updates.rejected";
    public const string Failed = "clients.failed";

    /// <summary>Failed / planned clients (FedAvg-Naive's lost updates count here).</summary>
    public const string FailureRate = "clients.failure_rate";

    /// <summary>Sample-weighted mean of the accepted updates' local losses.</summary>
    public const string TrainLoss = "train.loss";

    public const string ExpertsMerged = "experts.merged";
    public const string ExpertsKept = "experts.kept";

    /// <summary>|S_global|: experts whose usage reaches τ on at least one accepted client.</summary>
    public const string ExpertsAboveTau = "experts.above_tau";

    /// <summary>Entropy of the normalised router weights over clients / log(n); 1 = uniform.</summary>
    public const string GatingUniformity = "gating.uniformity";

    /// <summary>Sum of expert backward passes over the accepted and failed-but-reported clients.</summary>
    public const string ExpertBackwardPasses = "compute.expert_backward_passes";

    /// <summary>Failed local steps / local steps, over the clients that reported.</summary>
    public const string FailedStepRate = "compute.failed_step_rate";

    /// <summary>Sample-weighted mean accuracy of the clients' local models on their own last local batches, before the merge.</summary>
    public const string LocalAccuracy = "local.accuracy";

    /// <summary>
    /// Sample-weighted mean accuracy of the received global model on each client's first local
    /// batch, before any local step: with <see cref="LocalAccuracy"/> of the round before, the
    /// accuracy drop right after aggregation, measured on the clients' own data.
    /// </summary>
    public const string LocalStartAccuracy = "local.start_accuracy";

    /// <summary>Sum of the clients' training FLOPs (forward and backward) this round.</summary>
    public const string Flops = "compute.flops";

    /// <summary>
    /// Simulated duration of the round: the slowest client's expert backward passes divided by
    /// its budget cap (a budget-4 device works at 1/8 the speed of a budget-32 one), in
    /// "full-budget batches".
    /// </summary>
    public const string SlowestClientTime = "compute.slowest_client_time";

    /// <summary>Normalised entropy of <see cref="ExpertTrainersPrefix"/> counts over experts; 1 = every expert trained equally often.</summary>
    public const string ExpertUsageBalance = "experts.usage_balance";

    /// <summary>Prefix of per-expert counts: <c>experts.trainers.{globalExpertId}</c> = accepted clients that trained the expert.</summary>
    public const string ExpertTrainersPrefix = "experts.trainers.";

    /// <summary>Prefix of per-tier compute: <c>compute.tier.{tier}.expert_backward_passes</c> and <c>compute.tier.{tier}.clients</c>.</summary>
    public const string TierPrefix = "compute.tier.";

    public static string ExpertTrainers(int globalExpertId) => ExpertTrainersPrefix + globalExpertId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string TierBackwardPasses(string tier) => $"{TierPrefix}{tier}.expert_backward_passes";

    public static string TierClients(string tier) => $"{TierPrefix}{tier}.clients";
}
