using HFedMoE.Actors.Protocol;
using HFedMoE.Actors.Registry;
using HFedMoE.Model.Federated;
using Akka.Actor;

namespace HFedMoE.Actors.Tests.Rounds;

/// <summary>A registry that refuses every round and keeps its model.</summary>
internal sealed class RefusingRegistry : ReceiveActor
{
    public RefusingRegistry(GlobalModel model)
    {
        Receive<ApplyRound>(a => Sender.Tell(new Error { Round = a.Round, ModelVersion = a.ModelVersion, Reason = "refused by the stand-in registry" }));
        Receive<GetModel>(_ => Sender.Tell(new CurrentModel(model)));
    }
}

/// <summary>A registry that fails on the first round it is asked to apply.</summary>
internal sealed class CrashingRegistry : ReceiveActor
{
    public CrashingRegistry(GlobalModel model)
    {
        Receive<ApplyRound>(_ => throw new InvalidOperationException("the stand-in registry fails"));
        Receive<GetModel>(_ => Sender.Tell(new CurrentModel(model)));
    }
}

/// <summary>
/// An <see cref="IFederatedStrategy"/> that is not an <see cref="ExpertBudgetStrategy"/>, so the
/// round manager merges it itself (its <see cref="IRoundAggregation"/>) instead of through aggregators.
/// </summary>
internal sealed class InManagerStrategy(IFederatedStrategy inner) : IFederatedStrategy
{
    public string Name => inner.Name;

    public StrategyOptions Options => inner.Options;

    public IReadOnlyList<TrainPlan> ConfigureTrain(int round, GlobalModel model, IReadOnlyList<ClientProfile> clients) => inner.ConfigureTrain(round, model, clients);

    public IRoundAggregation BeginAggregateTrain(int round) => inner.BeginAggregateTrain(round);

    public TrainAggregate AggregateTrain(int round, IReadOnlyList<SparseUpdate> replies, IReadOnlyList<ClientFailure> failures) => inner.AggregateTrain(round, replies, failures);

    public IReadOnlyList<EvaluatePlan> ConfigureEvaluate(int round, GlobalModel model, IReadOnlyList<ClientProfile> clients) => inner.ConfigureEvaluate(round, model, clients);

    public EvaluateSummary? AggregateEvaluate(int round, IReadOnlyList<EvaluateReply> replies, IReadOnlyList<ClientFailure> failures) => inner.AggregateEvaluate(round, replies, failures);

    public EvaluateSummary? Evaluate(int round, GlobalModel model) => inner.Evaluate(round, model);
}
