using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using HFedMoE.Actors.Rounds;
using HFedMoE.Actors.Security;
using HFedMoE.Model.Federated;
using static Akka.Cluster.ClusterEvent;

namespace HFedMoE.Actors.Cluster;

/// <summary>
/// What the round coordinator of a cluster federation needs: the strategy (by factory name and
/// options), the initial model, the round rules, the update spool shared by the server nodes,
/// how many rounds to run and how many clients must be registered before a round starts.
/// <paramref name="Tokens"/>: the federation's join tokens (hfedmoe.security.join-secret); with
/// them a client registers only with a proof of its id's token, without them (null) client ids
/// are trusted. <paramref name="IdentifyInterval"/>: how often members not yet registered are
/// asked again (null: <see cref="RoundCoordinator.IdentifyInterval"/>).
/// </summary>
public sealed record CoordinatorSetup(
    string Strategy,
    StrategyOptions Options,
    GlobalModel Initial,
    RoundSettings Rounds,
    UpdateSpool Spool,
    int TargetRounds,
    int MinClients,
    string PersistenceId = RoundManager.DefaultPersistenceId,
    JoinTokens? Tokens = null,
    TimeSpan? IdentifyInterval = null);

/// <summary>
/// The cluster singleton of a federation (one, on the oldest <c>server</c> node): it owns the
/// <see cref="RoundManager"/> (which recovers from the shared journal whenever the singleton
/// starts, so a moved or restarted coordinator carries on where the last one stopped), finds the
/// clients through membership events (a <c>client</c> node that comes up is asked for its client
/// by its <see cref="ClientGateway"/>), drops a client whose node becomes unreachable or leaves,
/// and runs rounds one after the other until <see cref="CoordinatorSetup.TargetRounds"/> are done.
/// Every client joins through a <see cref="ClientSession"/> (a child of this actor), and the
/// round manager knows the client as that session: plans go out through it, and it passes on only
/// updates the client's own actor sends in its own name for experts it was assigned (see
/// <see cref="Admit"/> for who gets a session).
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
    private readonly Dictionary<string, OpenSession> _sessions = new(StringComparer.Ordinal);
    private readonly HashSet<Address> _refused = [];
    // One per incarnation: a proof made for another coordinator is worth nothing to this one.
    private readonly string _challenge = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
    private long _opened;
    private readonly HashSet<int> _finished = [];
    private IActorRef _manager = null!;
    private bool _statusKnown;
    private bool _roundRunning;
    private bool _checking;
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
            // A member refused (or superseded) is asked again only when its membership changes, not on every tick.
            foreach (var member in _clientMembers.Values.Where(m => !_clientAt.ContainsKey(m.Address) && !_refused.Contains(m.Address)).ToList())
            {
                Ask(member);
            }
            MaybeStart();
        });
        Receive<UnreachableMember>(m => Lose(m.Member, "is unreachable"));
        Receive<MemberLeft>(m => Lose(m.Member, "is leaving the cluster"));
        Receive<MemberExited>(m => Lose(m.Member, "left the cluster"));
        Receive<MemberRemoved>(m => Lose(m.Member, "was removed from the cluster"));
        Receive<IMemberEvent>(_ => { });
        Receive<GatewayJoin>(Admit);
        Receive<RoundStatus>(s =>
        {
            _statusKnown = true;
            _checking = false;
            _nextRound = s.NextRound;
            _roundRunning = s.OpenRound is not null;
            StartIfReady(s);
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
        Receive<Terminated>(t => SessionEnded(t.ActorRef));
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
        Timers.StartPeriodicTimer("identify", IdentifyPending.Instance, _setup.IdentifyInterval ?? IdentifyInterval);
        _report($"round coordinator started on {Akka.Cluster.Cluster.Get(Context.System).SelfAddress}");
        _report(_setup.Tokens is null
            ? "client ids are trusted (no hfedmoe.security.join-secret); sessions still check each update's sender, name and experts"
            : "clients join with a proof of their join token (hfedmoe.security.join-secret)");
    }

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    /// <summary>A membership change of <paramref name="member"/>: asks it (again, even if it was refused: it may be a new incarnation).</summary>
    private void Identify(Member member)
    {
        if (member.HasRole(ClusterRoles.Client) && member.Status is MemberStatus.Up or MemberStatus.WeaklyUp)
        {
            _clientMembers[member.Address] = member;
            _refused.Remove(member.Address);
            Ask(member);
        }
    }

    private void Ask(Member member) =>
        Context.ActorSelection(new RootActorPath(member.Address) / "user" / ClusterRoles.GatewayName).Tell(new IdentifyClient { Challenge = _challenge }, Self);

    /// <summary>
    /// A gateway's answer. Refused (logged, reported, answered <see cref="JoinRefused"/>, and that
    /// member not asked again until its membership changes): a client actor on another node than
    /// the gateway's, a profile the run cannot use, and, with join tokens, a proof that is not of
    /// the client id's token over this coordinator's challenge and that very actor. Otherwise the
    /// client gets a <see cref="ClientSession"/> (the same one when the same actor answers again),
    /// registered with the round manager in its place. An id already in session with another actor
    /// (the client restarted, at the same address or another) is given to the newer one, as
    /// <see cref="FederationGate"/> does: the new session is registered first, then the old one is
    /// closed, and the old member is not asked again until its membership changes (two live
    /// members with one id would otherwise take it from each other on every tick).
    /// </summary>
    private void Admit(GatewayJoin join)
    {
        var from = NodeOf(Sender);
        string id = join.Profile.ClientId;
        if (Problem(join, from) is { } why)
        {
            _log.Warning($"refused the registration of '{id}' from {from}: {why}");
            _report($"client {id} from {from} refused: {why}");
            _refused.Add(from);
            Sender.Tell(new JoinRefused(id, why));
            return;
        }
        if (_clientAt.TryGetValue(from, out var before) && before != id)
        {
            // The node now names another client (it restarted with another id): its earlier client is gone.
            _clientAt.Remove(from);
            Close(before);
        }
        bool fresh = !_clientAt.ContainsKey(from);
        var earlier = _sessions.GetValueOrDefault(id);
        var session = earlier;
        if (earlier is null || !earlier.Client.Equals(join.Client) || !earlier.From.Equals(from))
        {
            // A fresh name for each session: a stopped child's name is freed only later.
            session = new OpenSession(Context.ActorOf(ClientSession.Props(id, join.Client, _manager), $"session-{Uri.EscapeDataString(id)}-{++_opened}"), join.Client, from);
            Context.Watch(session.Ref);
            _sessions[id] = session;
        }
        _clientAt[from] = id;
        _refused.Remove(from);
        _manager.Tell(new RegisterClient(join.Profile, session!.Ref));
        if (earlier is not null && !ReferenceEquals(earlier, session))
        {
            // After the registration, so the manager moves to the new session before the old one stops.
            Context.Unwatch(earlier.Ref);
            Context.Stop(earlier.Ref);
            if (!earlier.From.Equals(from) && _clientAt.GetValueOrDefault(earlier.From) == id)
            {
                _clientAt.Remove(earlier.From);
                _refused.Add(earlier.From);
            }
            _log.Warning($"client '{id}' registered again from {from} ({join.Client.Path}): its session with {earlier.Client.Path} on {earlier.From} is closed");
            _report($"client {id} registered again from {from}: its earlier session (from {earlier.From}) is closed");
        }
        Sender.Tell(new JoinAccepted(id, session.Ref));
        if (fresh)
        {
            _report($"client {id} registered from {from} ({_clientAt.Count} clients)");
        }
        MaybeStart();
    }

    /// <summary>Why <paramref name="join"/> answered from <paramref name="from"/> cannot register, or null.</summary>
    private string? Problem(GatewayJoin join, Address from)
    {
        // A node names only its own client.
        if (!NodeOf(join.Client).Equals(from))
        {
            return $"its actor lives at {NodeOf(join.Client)}";
        }
        // Bad input from a node must not reach the round manager (an unknown tier would fail its next round).
        if (Refusal(join.Profile) is { } profile)
        {
            return profile;
        }
        if (_setup.Tokens is { } tokens
            && !tokens.VerifyProof(join.Profile.ClientId, _challenge, Akka.Serialization.Serialization.SerializedActorPath(join.Client), join.Proof))
        {
            return string.IsNullOrEmpty(join.Proof)
                ? "no join token: this federation requires one (hfedmoe.security.join-token on the client node, from hfedmoe certs)"
                : $"its join proof is not that of client id '{join.Profile.ClientId}' (a token of another id or another federation)";
        }
        return null;
    }

    /// <summary>The cluster address of <paramref name="actor"/>'s node (a local actor's path has no host: this node's).</summary>
    private static Address NodeOf(IActorRef actor) =>
        actor.Path.Address.HasLocalScope ? Akka.Cluster.Cluster.Get(Context.System).SelfAddress : actor.Path.Address;

    /// <summary>Stops <paramref name="id"/>'s session, if it has one (the manager sees its client stop).</summary>
    private void Close(string id)
    {
        if (_sessions.Remove(id, out var session))
        {
            Context.Unwatch(session.Ref);
            Context.Stop(session.Ref);
        }
    }

    /// <summary>A session stopped by itself (its client's actor stopped): the member is asked again on the next tick.</summary>
    private void SessionEnded(IActorRef session)
    {
        var ended = _sessions.FirstOrDefault(s => s.Value.Ref.Equals(session));
        if (ended.Key is null)
        {
            return;
        }
        _sessions.Remove(ended.Key);
        if (_clientAt.GetValueOrDefault(ended.Value.From) == ended.Key)
        {
            _clientAt.Remove(ended.Value.From);
            _report($"client {ended.Key} unregistered: its actor {ended.Value.Client.Path} stopped");
        }
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
        _refused.Remove(member.Address);
        if (_clientAt.Remove(member.Address, out var id))
        {
            _report($"client {id} dropped: its node {member.Address} {what}");
            _manager.Tell(new DropClient(id, $"its node {member.Address} {what}"));
            if (_sessions.TryGetValue(id, out var session) && session.From.Equals(member.Address))
            {
                // A node that comes back gets a new session; the dropped client's pending update goes nowhere.
                Close(id);
            }
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

    /// <summary>Asks the round manager which clients it can reach, once enough are registered here (the answer decides, <see cref="StartIfReady"/>).</summary>
    private void MaybeStart()
    {
        if (!_statusKnown || _roundRunning || _checking)
        {
            return;
        }
        if (ReportIfComplete())
        {
            return;
        }
        if (_clientAt.Count >= _setup.MinClients)
        {
            _checking = true;
            _manager.Tell(GetRoundStatus.Instance);
        }
    }

    /// <summary>
    /// Starts the next round when at least <see cref="CoordinatorSetup.MinClients"/> clients are
    /// both registered here (their nodes are members) and live in the manager (a client whose
    /// actor the manager saw stop is gone there before its node is unreachable here): the round
    /// samples the manager's clients, so a round started on this node's count alone could run
    /// without a client that is about to come back.
    /// </summary>
    private void StartIfReady(RoundStatus status)
    {
        if (_roundRunning || ReportIfComplete())
        {
            return;
        }
        var live = (status.Clients ?? []).ToHashSet(StringComparer.Ordinal);
        if (_clientAt.Values.Count(live.Contains) >= _setup.MinClients)
        {
            _roundRunning = true;
            _manager.Tell(StartRound.Instance);
        }
    }

    private bool ReportIfComplete()
    {
        if (_nextRound < _setup.TargetRounds)
        {
            return false;
        }
        if (!_completeReported)
        {
            _completeReported = true;
            _report($"run complete: {_nextRound} rounds; final model {(_lastDigest.Length > 0 ? _lastDigest : "(none committed)")}");
            _completed(_lastDigest);
        }
        return true;
    }

    /// <summary>A client's session, the client actor it is bound to, and the node that registered it.</summary>
    private sealed record OpenSession(IActorRef Ref, IActorRef Client, Address From);

    private sealed record IdentifyPending : INoSerializationVerificationNeeded
    {
        public static IdentifyPending Instance { get; } = new();
    }
}
