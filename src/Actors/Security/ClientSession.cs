using Akka.Actor;
using Akka.Event;
using HFedMoE.Actors.Rounds;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Security;

/// <summary>
/// The server's side of one authenticated client (opened by <see cref="FederationGate"/>): the
/// round manager knows the client as this actor. It passes plans on to the client and remembers
/// them, and passes on an update only if the actor that joined sent it, in its own name, for a
/// round it was planned in, training only experts that plan allowed; anything else is answered
/// <see cref="UpdateRejected"/>, logged, and never reaches the round manager (so no aggregator
/// sees it). The manager's answers go back to the client. The session stops when the client
/// does, and the manager drops the client as it does for any stopped client.
/// </summary>
public sealed class ClientSession : ReceiveActor
{
    private const int RoundsKept = 4;
    private readonly string _clientId;
    private readonly IActorRef _client;
    private readonly IActorRef _manager;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly SortedDictionary<int, TrainPlan> _plans = [];

    public ClientSession(string clientId, IActorRef client, IActorRef manager)
    {
        _clientId = clientId;
        _client = client;
        _manager = manager;
        Receive<TrainRound>(Plan);
        Receive<SubmitUpdate>(Submit);
        Receive<TrainingFailed>(f =>
        {
            if (Sender.Equals(_client) && f.ClientId == _clientId)
            {
                _manager.Tell(f, Self);
            }
            else
            {
                _log.Warning("Refused a training failure in the name of '{0}' sent to the session of '{1}' by {2}", f.ClientId, _clientId, Sender.Path);
            }
        });
        Receive<Terminated>(t =>
        {
            if (t.ActorRef.Equals(_client))
            {
                Context.Stop(Self);
            }
        });
        Receive<UpdateRejected>(r =>
        {
            _log.Warning("Update of '{0}' for round {1} refused by the round manager: {2}", _clientId, r.Round, r.Reason);
            _client.Tell(r, Self);
        });
        // The manager's other answers (acks) go to the client; nothing else passes.
        ReceiveAny(m =>
        {
            if (Sender.Equals(_manager))
            {
                _client.Tell(m, Self);
            }
            else
            {
                Unhandled(m);
            }
        });
    }

    public static Props Props(string clientId, IActorRef client, IActorRef manager) =>
        ActorFactory<ClientSession>.Props(() => new ClientSession(clientId, client, manager));

    protected override void PreStart() => Context.Watch(_client);

    private void Plan(TrainRound train)
    {
        _plans[train.Plan.Round] = train.Plan;
        while (_plans.Count > RoundsKept)
        {
            _plans.Remove(_plans.Keys.First());
        }
        _client.Tell(train, Self);
    }

    private void Submit(SubmitUpdate submit)
    {
        var update = submit.Update;
        if (Problem(update) is { } reason)
        {
            _log.Warning("Refused an update sent to the session of '{0}' by {1}: {2}", _clientId, Sender.Path, reason);
            Sender.Tell(new UpdateRejected(update.Round, update.ClientId, reason), Self);
            return;
        }
        _manager.Tell(submit, Self);
    }

    private string? Problem(SparseUpdate update)
    {
        if (!Sender.Equals(_client))
        {
            return $"sent by {Sender.Path}, not by the actor that joined as '{_clientId}' ({_client.Path})";
        }
        if (update.ClientId != _clientId)
        {
            return $"in the name of '{update.ClientId}'; this client joined as '{_clientId}'";
        }
        if (!_plans.TryGetValue(update.Round, out var plan))
        {
            return $"'{_clientId}' was given no plan for round {update.Round}";
        }
        foreach (int expert in update.TrainedExperts)
        {
            if (plan.ExpertBudget <= 0 || (plan.AssignedExperts is { } assigned && !assigned.Contains(expert)))
            {
                return $"expert {expert} was not assigned to '{_clientId}' in round {update.Round}"
                    + (plan.AssignedExperts is { } a ? $" (assigned: {string.Join(", ", a)})" : " (its budget is 0)");
            }
        }
        return null;
    }
}
