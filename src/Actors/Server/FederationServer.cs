using HFedMoE.Actors.Clients;
using HFedMoE.Actors.Rounds;
using HFedMoE.Model.Federated;
using Akka.Actor;

namespace HFedMoE.Actors.Server;

/// <summary>
/// The root of an in-process federation: starts one <see cref="Client"/> per client setup and
/// the <see cref="RoundManager"/> as its children, then runs rounds on request, one after the
/// other, and replies with the final model and each round's outcome.
/// </summary>
public sealed class FederationServer : ReceiveActor
{
    private readonly FederationSetup _setup;
    private readonly UpdateSpool _spool;
    private IActorRef _rounds = null!;
    private TrainerPool? _trainers;
    private IActorRef? _requester;
    private int _remaining;

    /// <summary>The first round opened for the current request; outcomes of earlier rounds are not its answer.</summary>
    private int? _firstRoundOfRequest;
    private readonly List<object> _outcomes = [];
    private readonly HashSet<int> _finished = [];
    private GlobalModel _model;

    public FederationServer(FederationSetup setup, UpdateSpool spool)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(spool);
        if (setup.Clients.Count == 0)
        {
            throw new ArgumentException("a federation needs at least one client", nameof(setup));
        }
        _setup = setup;
        _spool = spool;
        _model = setup.Initial;

        Receive<RunRounds>(Run);
        Receive<RoundOpened>(o => _firstRoundOfRequest ??= _requester is null ? null : o.Round);
        // A round already open (a StartRound sent again after a restart) is not a failure: its outcome follows.
        Receive<RoundNotStarted>(n => n.OpenRound is null, n => Fail($"round could not start: {n.Reason}"));
        Receive<RoundNotStarted>(n => _firstRoundOfRequest ??= _requester is null ? null : n.OpenRound);
        Receive<RoundCompleted>(c => { _ = RoundEnded(c.Round, c); });
        Receive<RoundClosed>(c => { _ = RoundEnded(c.Round, c); });
        Receive<RoundManagerRecovered>(Recovered);
        // A round manager that stops for good (its journal cannot be recovered, or a write to it
        // failed: Akka.Persistence stops such an actor) must fail the request, not leave it waiting.
        Receive<Terminated>(t => t.ActorRef.Equals(_rounds), _ =>
        {
            Fail("the round manager stopped: its journal could not be recovered or written (the log says why)");
            Context.Stop(Self);
        });
    }

    /// <summary>
    /// A failed child restarts (Kill included): the round manager then recovers its round from
    /// the journal and the spool. A child whose constructor failed is stopped (bad setup).
    /// </summary>
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(cause => cause is ActorInitializationException ? Directive.Stop : Directive.Restart);

    public static Props Props(FederationSetup setup, UpdateSpool spool) =>
        ActorFactory<FederationServer>.Props(() => new FederationServer(setup, spool));

    protected override void PreStart()
    {
        var strategy = StrategyFactory.Create(_setup.Strategy, _setup.Options);
        var clients = new List<RegisterClient>();
        // Clients borrow a trainer (a model + optimizer) only while they train: one per training thread, not per client.
        _trainers = TrainerPool.For(_setup.Model, _setup.Trainer, _setup.TrainerPoolSize ?? TrainerPool.DefaultSize(Context.System.Settings.Config));
        foreach (var c in _setup.Clients)
        {
            var child = Context.ActorOf(Client.Props(c.Profile, c.Data, _trainers), $"client-{Uri.EscapeDataString(c.Profile.ClientId)}");
            clients.Add(new RegisterClient(c.Profile, child));
        }
        // Subscribed through the Props so that the subscription survives a restart of the round manager.
        _rounds = Context.ActorOf(RoundManager.Props(strategy, _setup.Initial, _setup.Rounds, _spool, clients, _setup.PersistenceId, [Self]), "round-manager");
        Context.Watch(_rounds);
    }

    /// <summary>
    /// The clients (children) have stopped by now, so no trainer is lent any more: the pool's
    /// models are freed here, not left to the finalizers (also before a restart builds a new pool).
    /// </summary>
    protected override void PostStop()
    {
        _trainers?.Dispose();
        _trainers = null;
        base.PostStop();
    }

    private void Run(RunRounds run)
    {
        if (_requester is not null)
        {
            Sender.Tell(new FederationFailed($"{_remaining} rounds of an earlier request are still running"));
            return;
        }
        if (run.Rounds < 1)
        {
            Sender.Tell(new FederationFailed($"asked for {run.Rounds} rounds; expected ≥ 1"));
            return;
        }
        _requester = Sender;
        _remaining = run.Rounds;
        _firstRoundOfRequest = null;
        _outcomes.Clear();
        _rounds.Tell(StartRound.Instance, Self);
    }

    /// <summary>
    /// After a restart of the round manager: its last outcome may not have been published, and
    /// a StartRound may have been lost with the old incarnation; a duplicate of either is ignored.
    /// </summary>
    private void Recovered(RoundManagerRecovered r)
    {
        if (_requester is not null && r.OpenRound is { } open)
        {
            _firstRoundOfRequest ??= open;
        }
        bool started = r.LastOutcome switch
        {
            RoundCompleted c => RoundEnded(c.Round, c),
            RoundClosed c => RoundEnded(c.Round, c),
            _ => false,
        };
        if (!started && _requester is not null && r.OpenRound is null)
        {
            _rounds.Tell(StartRound.Instance, Self);
        }
    }

    /// <summary>Records a round's outcome once; true if it started the next round.</summary>
    private bool RoundEnded(int round, object outcome)
    {
        if (!_finished.Add(round))
        {
            return false; // published again after a restart
        }
        if (outcome is RoundCompleted c)
        {
            _model = c.Model;
        }
        // After a restart (of the manager, or of the whole process) the recovered last outcome may
        // belong to a round that ended before this request: it is history, not an answer.
        if (_requester is null || _firstRoundOfRequest is not { } first || round < first)
        {
            return false;
        }
        _outcomes.Add(outcome);
        if (--_remaining > 0)
        {
            _rounds.Tell(StartRound.Instance, Self);
            return true;
        }
        _requester.Tell(new FederationResult(_model, [.. _outcomes]), Self);
        _requester = null;
        return false;
    }

    private void Fail(string reason)
    {
        _requester?.Tell(new FederationFailed(reason), Self);
        _requester = null;
    }
}
