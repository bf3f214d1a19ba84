namespace HFedMoE.Model.Federated;

/// <summary>
/// A federated algorithm as a pure function of the round number and the replies (Flower's
/// Strategy shape, in our terms): it says what each client should do, merges what comes back,
/// and never touches the network. The runtime drives: ConfigureTrain → clients train →
/// AggregateTrain (or BeginAggregateTrain + Offer per reply) → ConfigureEvaluate → AggregateEvaluate
/// → Evaluate.
/// </summary>
public interface IFederatedStrategy
{
    /// <summary>The factory name, e.g. <c>hfedmoe</c>.</summary>
    string Name { get; }

    StrategyOptions Options { get; }

    /// <summary>Per-client plans for <paramref name="round"/> on <paramref name="model"/>.</summary>
    IReadOnlyList<TrainPlan> ConfigureTrain(int round, GlobalModel model, IReadOnlyList<ClientProfile> clients);

    /// <summary>Starts a streaming merge for the round last configured.</summary>
    IRoundAggregation BeginAggregateTrain(int round);

    /// <summary>Merges all replies of the round at once (same result as streaming them).</summary>
    TrainAggregate AggregateTrain(int round, IReadOnlyList<SparseUpdate> replies, IReadOnlyList<ClientFailure> failures);

    IReadOnlyList<EvaluatePlan> ConfigureEvaluate(int round, GlobalModel model, IReadOnlyList<ClientProfile> clients);

    /// <summary>Sample-weighted loss and accuracy of the clients' evaluations; null if none replied.</summary>
    EvaluateSummary? AggregateEvaluate(int round, IReadOnlyList<EvaluateReply> replies, IReadOnlyList<ClientFailure> failures);

    /// <summary>Centralised evaluation on the server, if an evaluator was configured.</summary>
    EvaluateSummary? Evaluate(int round, GlobalModel model);
}
