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

    /// <summary>
    /// Sample-weighted (|D_c|) mean, over the accepted updates that measured it, of each client's
    /// accuracy on its last local batch with the weights its last step started from, before the
    /// merge; NaN when no accepted update has the value.
    /// </summary>
    public const string LocalAccuracy = "local.accuracy";

    /// <summary>
    /// Sample-weighted mean accuracy of the received global model on each client's first local
    /// batch, before any local step: with <see cref="LocalAccuracy"/> of the round before, the
    /// accuracy drop right after aggregation, measured on the clients' own data. Same averaging
    /// as <see cref="LocalAccuracy"/> (accepted updates with the value; NaN if none).
    /// </summary>
    public const string LocalStartAccuracy = "local.start_accuracy";

    /// <summary>
    /// Sum of the clients' training FLOPs (matrix products, forward and backward; SNIP's probe
    /// included) this round, over the same updates as <see cref="ExpertBackwardPasses"/>.
    /// </summary>
    public const string Flops = "compute.flops";

    /// <summary>
    /// Simulated duration of the round: the slowest client's expert backward passes divided by
    /// its budget cap (a budget-4 device works at 1/8 the speed of a budget-32 one), in
    /// "full-budget batches", over the same clients as <see cref="ExpertBackwardPasses"/>. The
    /// cap is the profile's own or its tier's; a client without a (positive) cap runs at the
    /// round's largest cap. With a cost model that has a dense cost, the work is that model's
    /// cost (dense per trained step + expert cost per pass), in the cap's units. 0 when no
    /// client reported.
    /// </summary>
    public const string SlowestClientTime = "compute.slowest_client_time";

    /// <summary>
    /// Entropy of the <see cref="ExpertTrainersPrefix"/> counts over ALL experts divided by
    /// log(expert count): 1 = every expert trained equally often, 0 when nothing was trained.
    /// </summary>
    public const string ExpertUsageBalance = "experts.usage_balance";

    /// <summary>
    /// Prefix of per-expert counts: <c>experts.trainers.{globalExpertId}</c> = accepted updates
    /// whose trained experts contain it; every expert has a key, 0 included.
    /// </summary>
    public const string ExpertTrainersPrefix = "experts.trainers.";

    /// <summary>
    /// Prefix of per-tier compute: <c>compute.tier.{tier}.expert_backward_passes</c> (sum) and
    /// <c>compute.tier.{tier}.clients</c> (how many), over the clients counted by
    /// <see cref="ExpertBackwardPasses"/>. Every tier among the round's planned clients has both
    /// keys (0 if none of its clients reported). A client without a tier name is in tier
    /// <c>cap{ComputeCap}</c> (invariant culture, e.g. <c>cap4</c>, <c>cap2.5</c>), or <c>none</c> with neither.
    /// </summary>
    public const string TierPrefix = "compute.tier.";

    /// <summary>
    /// Prefix of per-client numbers, written only when <see cref="StrategyOptions.PerClientMetrics"/>
    /// is on (the diagnostics of <c>--diagnose</c>): <c>client.{id}.loss</c> (mean local training
    /// loss), <c>.start_accuracy</c>, <c>.local_accuracy</c> (as <see cref="LocalStartAccuracy"/> and
    /// <see cref="LocalAccuracy"/>, this client's alone) and <c>.trained_experts</c>, for accepted updates.
    /// </summary>
    public const string ClientPrefix = "client.";

    public static string Client(string clientId, string what) => $"{ClientPrefix}{clientId}.{what}";

    public static string ExpertTrainers(int globalExpertId) => ExpertTrainersPrefix + globalExpertId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string TierBackwardPasses(string tier) => $"{TierPrefix}{tier}.expert_backward_passes";

    public static string TierClients(string tier) => $"{TierPrefix}{tier}.clients";
}
