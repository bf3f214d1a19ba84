using Akka.Actor;
using Akka.Event;
using HFedMoE.Actors.Protocol;
using HFedMoE.Actors.Registry;
using HFedMoE.Model.Federated;
using Error = HFedMoE.Actors.Protocol.Error;
using RegistryCommit = HFedMoE.Actors.Protocol.RoundCommitted;

namespace HFedMoE.Actors.Rounds;

/// <summary>
/// The commit path through the <see cref="ExpertRegistry"/> child, which holds the global model
/// between rounds: a round's merge results go to it as one <see cref="ApplyRound"/> (with the
/// importance scores of the round's accepted updates), and the round commits with the model the
/// registry answers. A refusal, or a registry that stops before answering, ends the round
/// incomplete. Whenever the round ends without adopting what the registry may already have applied,
/// the registry is replaced by a fresh one holding the manager's model, so the two never diverge.
/// </summary>
public sealed partial class RoundManager
{
    private IActorRef? _registry;
    private int _registryGeneration;

    private void ReceiveRegistryAnswers()
    {
        Command<RegistryCommit>(OnRegistryCommitted);
        Command<CurrentModel>(OnRegistryModel);
        Command<GetExpertRegistry>(_ => Sender.Tell(new ExpertRegistryOf(_registry)));
    }

    /// <summary>A new registry holding the manager's current model (at start, after a restart, or to undo an applied round that did not commit).</summary>
    private void SpawnRegistry()
    {
        if (_registry is { } old)
        {
            Context.Unwatch(old);
            Context.Stop(old);
        }
        int generation = _registryGeneration++;
        // A stopped registry's name is freed only once its stop is processed: each one gets its own.
        _registry = Context.ActorOf(_registryProps?.Invoke(_model) ?? ExpertRegistry.PropsFor(_model), $"expert-registry-{generation}");
        Context.Watch(_registry);
    }

    private bool IsRegistry(IActorRef sender) => _registry is { } r && r.Equals(sender);

    /// <summary>
    /// Sends the round's results to the registry; <paramref name="complete"/> turns the model it
    /// answers into the round's metrics.
    /// </summary>
    private void ApplyThroughRegistry(OpenRound open, ApplyRound apply, Func<GlobalModel, TrainAggregate> complete)
    {
        var pending = open.Pending!;
        pending.Complete = complete;
        pending.Applying = true;
        _registry!.Tell(apply, Self);
    }

    /// <summary>The importance scores of the round's accepted updates, for the registry's per-client history.</summary>
    private static Dictionary<string, IReadOnlyList<double>> ImportanceOf(OpenRound open) =>
        open.Importance.Where(i => open.AcceptedByClient.ContainsKey(i.Key)).ToDictionary(i => i.Key, i => i.Value, StringComparer.Ordinal);

    /// <summary>
    /// A whole model as a round's results (for a strategy that merges inside the manager): every
    /// parameter is sent; the registry marks as changed only those whose bits differ.
    /// </summary>
    private static ApplyRound WholeModel(OpenRound open, int version, GlobalModel merged)
    {
        var layout = merged.Layout;
        var experts = new List<ExpertMerged>(layout.ExpertCount);
        for (int id = 0; id < layout.ExpertCount; id++)
        {
            var m = new ExpertMerged { Round = open.Round, ModelVersion = version, Layer = id / layout.ExpertsPerLayer, Expert = id % layout.ExpertsPerLayer };
            m.Tensors.AddRange(layout.ExpertParameters(id).Select(e => TensorCodec.Encode(e.Name, e.Slice.Shape, merged.ValuesOf(e.Name).ToArray())));
            experts.Add(m);
        }
        var gating = new GatingMerged { Round = open.Round, ModelVersion = version };
        gating.Tensors.AddRange(layout.Entries.Where(e => e.Role != ParameterRole.Expert)
            .Select(e => TensorCodec.Encode(e.Name, e.Slice.Shape, merged.ValuesOf(e.Name).ToArray())));
        return new ApplyRound(open.Round, version, experts, gating, ImportanceOf(open));
    }

    /// <summary>The registry applied the round: ask for the model it now holds.</summary>
    private void OnRegistryCommitted(RegistryCommit commit)
    {
        if (!IsRegistry(Sender) || _open is not { Pending: { Applying: true } pending, Closing: false } open
            || commit.Round != open.Round || commit.ModelVersion != _model.Version)
        {
            return;
        }
        pending.Applying = false;
        pending.Applied = true;
        _registry!.Tell(new GetModel(), Self);
    }

    private void OnRegistryModel(CurrentModel current)
    {
        if (!IsRegistry(Sender) || _open is not { Pending: { Applied: true, Complete: { } complete } pending, Closing: false } open)
        {
            return;
        }
        pending.Complete = null;
        if (current.Model.Version != _model.Version + 1)
        {
            FailCommit(open, $"the expert registry holds model version {current.Model.Version} after applying round {open.Round}; expected {_model.Version + 1}");
            return;
        }
        TrainAggregate result;
        try
        {
            result = complete(current.Model);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            FailCommit(open, e.Message);
            return;
        }
        CommitModel(open, current.Model, result.Metrics, result.Rejections, pending.Failures);
    }

    /// <summary>An <see cref="Error"/> from the registry: it refused the round whole, so the model is unchanged.</summary>
    private void OnRegistryError(Error error)
    {
        if (_open is { Pending: { Applying: true } pending, Closing: false } open && error.Round == open.Round)
        {
            pending.Applying = false;   // refused whole: nothing to undo
            FailCommit(open, error.Reason);
        }
    }

    /// <summary>The current registry stopped (a replaced one is unwatched first, so its stop is never seen).</summary>
    private void OnRegistryStopped()
    {
        Log.Warning($"the expert registry stopped; a new one holds model version {_model.Version}");
        _registry = null;
        if (_open is { Pending: { Applying: true } or { Applied: true }, Closing: false } open)
        {
            Close(open, "the expert registry stopped before it answered the round's commit");   // spawns the new one
        }
        if (_registry is null)
        {
            SpawnRegistry();
        }
    }

    private void FailCommit(OpenRound open, string problem)
    {
        Log.Error($"round {open.Round}: the expert registry could not commit the round: {problem}");
        Close(open, $"the expert registry could not commit the round: {problem}");
    }

    /// <summary>If the registry may hold a round that is not committing after all, replaces it with one holding the manager's model.</summary>
    private void UndoRegistryApply(OpenRound open)
    {
        if (open.Pending is { } pending && (pending.Applying || pending.Applied))
        {
            pending.Applying = pending.Applied = false;
            SpawnRegistry();
        }
    }

    /// <summary>A commit in progress: the round's failures, then the registry's progress with its results.</summary>
    private sealed class PendingCommit(IReadOnlyList<ClientFailure> failures)
    {
        public IReadOnlyList<ClientFailure> Failures { get; } = failures;

        /// <summary><see cref="ApplyRound"/> was sent; no answer yet.</summary>
        public bool Applying { get; set; }

        /// <summary>The registry committed the round; its model is asked for.</summary>
        public bool Applied { get; set; }

        /// <summary>Turns the registry's model into the round's result (metrics, rejections).</summary>
        public Func<GlobalModel, TrainAggregate>? Complete { get; set; }
    }
}

/// <summary>Asks the round manager for its expert registry; replies <see cref="ExpertRegistryOf"/>.</summary>
public sealed record GetExpertRegistry
{
    public static GetExpertRegistry Instance { get; } = new();
}

/// <summary>The round manager's <see cref="ExpertRegistry"/> (null only before its recovery completed).</summary>
public sealed record ExpertRegistryOf(IActorRef? Registry);
