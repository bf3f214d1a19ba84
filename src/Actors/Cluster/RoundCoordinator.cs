using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using HFedMoE.Actors.Rounds;
using HFedMoE.Model.Federated;
using static Akka.Cluster.ClusterEvent;

namespace HFedMoE.Actors.Cluster;

/// <summary>
/// What the round coordinator of a cluster federation needs: the strategy (by factory name and
/// options), the initial model, the round rules, the update spool shared by the server nodes,
/// how many rounds to run and how many clients must be registered before a round starts.
/// </summary>
public sealed record CoordinatorSetup(
    string Strategy,
    StrategyOptions Options,
    GlobalModel Initial,
    RoundSettings Rounds,
    UpdateSpool Spool,
    int TargetRounds,
    int MinClients,
    string PersistenceId = RoundManager.DefaultPersistenceId);

/// <summary>
/// The cluster singleton of a federation (one, on the oldest <c>server</c> node): it owns the
/// <see cref="RoundManager"/> (which recovers from the shared journal whenever the singleton
/// starts, so a moved or restarted coordinator carries on where the last one stopped), finds the
/// clients through membership events (a <c>client</c> node that comes up is asked for its client
/// by its <see cref="ClientGateway"/>), drops a client whose node becomes unreachable or leaves,
/// and runs rounds one after the other until <see cref="CoordinatorSetup.TargetRounds"/> are done.
/// A round starts only with at least <see cref="CoordinatorSetup.MinClients"/> clients registered:
/// sampling depends on who is registered, so this keeps a run comparable with the same run in
/// one process. Each membership and round event is reported as one line.
/// </summary>
public sealed class RoundCoordinator : ReceiveActor, IWithTimers
{
    /// <summary>How often client members that have not registered are asked again (an IdentifyClient or its answer can be lost).</summary>
    public static readonly TimeSpan IdentifyInterval = TimeSpan.FromSeconds(3);

    private readonly CoordinatorSetup _setup;
    private readonly Action<string> _report;
    private readonly Action<string> _completed;
    private readonly Dictionary<Address, Member> _clientMembers = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<Address, string> _clientAt = [];
    private readonly HashSet<int> _finished = [];
    private IActorRef _manager = null!;
    private bool _statusKnown;
    private bool _roundRunning;
    private bool _completeReported;
    private int _nextRound;
    private string _lastDigest = "";

    /// <param name="report">One line per membership change of a client and per round.</param>
    /// <param name="completed">Called once with the final model's digest when <see cref="CoordinatorSetup.TargetRounds"/> rounds are done (null: nothing).</param>
    public RoundCoordinator(CoordinatorSetup setup, Action<string> report, Action<string>? completed = null)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(report);
        if (setup.TargetRounds < 1 || setup.MinClients < 1)
        {
            throw new ArgumentException($"a coordinator needs ≥ 1 round and ≥ 1 client; got {setup.TargetRounds} rounds, {setup.MinClients} clients", nameof(setup));
        }
        _setup = setup;
        _report = report;
        _completed = completed ?? (_ => { });

        Receive<MemberUp>(m => Identify(m.Member));
        Receive<MemberWeaklyUp>(m => Identify(m.Member));
        Receive<ReachableMember>(m => Identify(m.Member));
        Receive<IdentifyPending>(_ =>
        {
            foreach (var member in _clientMembers.Values.Where(m => !_clientAt.ContainsKey(m.Address)).ToList())
            {
                Identify(member);
            }
        });
        Receive<UnreachableMember>(m => Lose(m.Member, "is unreachable"));
        Receive<MemberLeft>(m => Lose(m.Member, "is leaving the cluster"));
        Receive<MemberExited>(m => Lose(m.Member, "left the cluster"));
        Receive<MemberRemoved>(m => Lose(m.Member, "was removed from the cluster"));
        Receive<IMemberEvent>(_ => { });
        Receive<RegisterClient>(Register);
        Receive<RoundStatus>(s =>
        {
            _statusKnown = true;
            _nextRound = s.NextRound;
            _roundRunning = s.OpenRound is not null;
            MaybeStart();
        });
        Receive<RoundOpened>(o =>
        {
            _roundRunning = true;
            _report($"round {o.Round} started: {string.Join(", ", o.Participants)}");
        });
        Receive<RoundNotStarted>(n =>
        {
            _roundRunning = n.OpenRound is not null;
            if (n.OpenRound is null)
            {
                _report($"round {_nextRound} not started: {n.Reason}");
            }
        });
        Receive<RoundCompleted>(c => Ended(c.Round, c));
        Receive<RoundClosed>(c => Ended(c.Round, c));
        Receive<RoundManagerRecovered>(r =>
        {
            _report(r.OpenRound is { } open
                ? $"round manager recovered from the journal: round {open} is open and continues"
                : $"round manager recovered from the journal: {r.NextRound} rounds done");
            switch (r.LastOutcome)
            {
                case RoundCompleted c: Ended(c.Round, c); break;
                case RoundClosed c: Ended(c.Round, c); break;
            }
        });
        Receive<Terminated>(t => t.ActorRef.Equals(_manager), _ =>
        {
            _report("the round manager stopped: its journal could not be recovered or written (the log says why)");
            Context.Stop(Self);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(CoordinatorSetup setup, Action<string> report, Action<string>? completed = null) =>
        ActorFactory<RoundCoordinator>.Props(() => new RoundCoordinator(setup, report, completed));

    protected override void PreStart()
    {
        var strategy = StrategyFactory.Create(_setup.Strategy, _setup.Options);
        _manager = Context.ActorOf(RoundManager.Props(strategy, _setup.Initial, _setup.Rounds, _setup.Spool, [], _setup.PersistenceId, [Self]), "round-manager");
        Context.Watch(_manager);
        // Answered once the manager has recovered: which round is next (or still open).
        _manager.Tell(GetRoundStatus.Instance);
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, SubscriptionInitialStateMode.InitialStateAsEvents, typeof(IMemberEvent), typeof(IReachabilityEvent));
        Timers.StartPeriodicTimer("identify", IdentifyPending.Instance, IdentifyInterval);
        _report($"round coordinator started on {Akka.Cluster.Cluster.Get(Context.System).SelfAddress}");
    }

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    private void Identify(Member member)
    {
        if (member.HasRole(ClusterRoles.Client) && member.Status is MemberStatus.Up or MemberStatus.WeaklyUp)
        {
            _clientMembers[member.Address] = member;
            Context.ActorSelection(new RootActorPath(member.Address) / "user" / ClusterRoles.GatewayName).Tell(new IdentifyClient(), Self);
        }
    }

    private void Register(RegisterClient r)
    {
        // A node names only its own client: a registration for an actor on another node is refused.
        var from = Sender.Path.Address;
        if (!r.Client.Path.Address.Equals(from))
        {
            _log.Warning($"refused the registration of '{r.Profile.ClientId}' from {from}: its actor lives at {r.Client.Path.Address}");
            return;
        }
        if (Refusal(r.Profile) is { } why)
        {
            // Bad input from a node must not reach the round manager (an unknown tier would fail its next round).
            _log.Warning($"refused the registration of '{r.Profile.ClientId}' from {from}: {why}");
            _report($"client {r.Profile.ClientId} from {from} refused: {why}");
            return;
        }
        if (_clientAt.FirstOrDefault(c => c.Value == r.Profile.ClientId && !c.Key.Equals(from)) is { Key: { } other })
        {
            _clientAt.Remove(other);
        }
        bool fresh = !_clientAt.ContainsKey(from);
        _clientAt[from] = r.Profile.ClientId;
        _manager.Tell(r);
        if (fresh)
        {
            _report($"client {r.Profile.ClientId} registered from {from} ({_clientAt.Count} clients)");
        }
        MaybeStart();
    }

    private string? Refusal(ClientProfile profile)
    {
        if (string.IsNullOrEmpty(profile.ClientId))
        {
            return "an empty client id";
        }
        if (profile.SampleCount < 1)
        {
            return $"{profile.SampleCount} samples";
        }
        if (profile.ComputeCap is not null && profile.Tier is not null)
        {
            return "both a compute cap and a budget tier";
        }
        if (profile.ComputeCap is { } cap && !(cap > 0 && double.IsFinite(cap)))
        {
            return $"compute cap {cap}";
        }
        if (profile.ComputeCap is null && !_setup.Options.Tiers.Any(t => t.Name == profile.Tier))
        {
            return $"budget tier '{profile.Tier}' is not one of the run's ({string.Join(", ", _setup.Options.Tiers.Select(t => t.Name))})";
        }
        return null;
    }

    private void Lose(Member member, string what)
    {
        _clientMembers.Remove(member.Address);
        if (_clientAt.Remove(member.Address, out var id))
        {
            _report($"client {id} dropped: its node {member.Address} {what}");
            _manager.Tell(new DropClient(id, $"its node {member.Address} {what}"));
        }
    }

    private void Ended(int round, object outcome)
    {
        if (!_finished.Add(round))
        {
            return; // published again after a restart of the manager
        }
        _roundRunning = false;
        _nextRound = Math.Max(_nextRound, round + 1);
        switch (outcome)
        {
            case RoundCompleted c:
                _lastDigest = c.ModelDigest;
                _report($"round {c.Round} committed: model {c.ModelDigest}; dropped {(c.Dropped.Count == 0 ? "none" : string.Join(", ", c.Dropped))}");
                break;
            case RoundClosed c:
                _report($"round {c.Round} closed incomplete: {c.Reason}");
                break;
        }
        MaybeStart();
    }

    private void MaybeStart()
    {
        if (!_statusKnown || _roundRunning)
        {
            return;
        }
        if (_nextRound >= _setup.TargetRounds)
        {
            if (!_completeReported)
            {
                _completeReported = true;
                _report($"run complete: {_nextRound} rounds; final model {(_lastDigest.Length > 0 ? _lastDigest : "(none committed)")}");
                _completed(_lastDigest);
            }
            return;
        }
        if (_clientAt.Count >= _setup.MinClients)
        {
            _roundRunning = true;
            _manager.Tell(StartRound.Instance);
        }
    }

    private sealed record IdentifyPending : INoSerializationVerificationNeeded
    {
        public static IdentifyPending Instance { get; } = new();
    }
}
