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
}
