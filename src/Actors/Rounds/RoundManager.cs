using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using HFedMoE.Actors.Aggregation;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Rounds;

/// <summary>
/// Drives rounds: plan → train → accept → merge → commit, as an event-sourced actor. Every
/// decision is journaled before it is visible: an update is acknowledged only after its bytes
/// are in the <see cref="UpdateSpool"/> and <see cref="UpdateAccepted"/> is persisted; a merged
/// model is spooled before <see cref="RoundCommitted"/> names it. Accepted updates are merged by
/// child aggregator actors, one per expert plus one for the gating and shared parameters, with
/// the weights the strategy gives each update (RoundManager.Aggregators.cs); their results are
/// applied by the <see cref="Registry.ExpertRegistry"/> child, and the model it answers is the one
/// committed (RoundManager.Registry.cs). After a restart the
/// journal (and a snapshot, if any) rebuilds the open round, the plans are recomputed and
/// checked against their journaled digests, and the spooled updates are routed to fresh
/// aggregators; the merge does not depend on arrival order, so the result is bit-identical to
/// an uninterrupted run.
/// </summary>
public sealed partial class RoundManager : ReceivePersistentActor, IWithTimers
{
    public const string DefaultPersistenceId = "round-manager";

    private readonly IFederatedStrategy _strategy;
    private readonly RoundSettings _settings;
    private readonly UpdateSpool _spool;
    private readonly GlobalModel _initial;
    private readonly string _persistenceId;
    private readonly Func<(int Layer, int Expert)?, Props>? _aggregatorProps;
    private readonly Func<GlobalModel, Props>? _registryProps;
    private readonly Dictionary<string, (ClientProfile Profile, IActorRef Ref)> _clients = new(StringComparer.Ordinal);
    // Registrations made by message, as journaled: the profile survives a restart even before the ref is found again.
    private readonly SortedDictionary<string, ClientRegistered> _registered = new(StringComparer.Ordinal);
    private readonly List<IActorRef> _subscribers = [];
    private GlobalModel _model;
    private string? _modelDigest;
    private int _nextRound;
    private OpenRound? _open;
    private FinishedRound? _lastFinished;
    private object? _lastOutcome;

    /// <param name="clients">Clients known from the start (they survive restarts, being part of the Props); more may join with <see cref="RegisterClient"/>.</param>
    /// <param name="subscribers">Subscribers that survive restarts (those added with <see cref="SubscribeRounds"/> do not).</param>
    public RoundManager(IFederatedStrategy strategy, GlobalModel initial, RoundSettings settings, UpdateSpool spool,
        IEnumerable<RegisterClient>? clients = null, string persistenceId = DefaultPersistenceId, IEnumerable<IActorRef>? subscribers = null)
        : this(strategy, initial, settings, spool, clients, persistenceId, subscribers, aggregatorProps: null)
    {
    }

    /// <param name="aggregatorProps">Props of the aggregator for (layer, expert), or of the gating aggregator for null; null: the real ones (tests stand probes in).</param>
    /// <param name="registryProps">Props of the expert registry holding the given model; null: the real <see cref="Registry.ExpertRegistry"/>.</param>
    internal RoundManager(IFederatedStrategy strategy, GlobalModel initial, RoundSettings settings, UpdateSpool spool,
        IEnumerable<RegisterClient>? clients, string persistenceId, IEnumerable<IActorRef>? subscribers,
        Func<(int Layer, int Expert)?, Props>? aggregatorProps, Func<GlobalModel, Props>? registryProps = null)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(spool);
        settings.Validate();
        _strategy = strategy;
        _settings = settings;
        _spool = spool;
        _initial = initial;
        _model = initial;
        _persistenceId = persistenceId;
        _aggregatorProps = aggregatorProps;
        _registryProps = registryProps;
        foreach (var c in clients ?? [])
        {
            _clients[c.Profile.ClientId] = (c.Profile, c.Client);
        }
        _subscribers.AddRange(subscribers ?? []);

        Recover<SnapshotOffer>(o =>
        {
            var s = (RoundManagerSnapshot)o.Snapshot;
            _nextRound = s.NextRound;
            _modelDigest = s.ModelDigestOrNull;
            foreach (var c in s.Clients)
            {
                ApplyRegistered(c);
            }
        });
        Recover<ClientRegistered>(ApplyRegistered);
        Recover<RoundStarted>(e => _open = new OpenRound(e));
        Recover<UpdateAccepted>(ApplyAccepted);
        Recover<ClientDropped>(ApplyDropped);
        Recover<DeadlineExtended>(e => _open!.Extensions = e.Extension);
        Recover<RoundCommitted>(e =>
        {
            _modelDigest = e.ModelDigest;
            _lastOutcome = e;
            Finish(e.Round);
        });
        Recover<RoundClosedIncomplete>(e =>
        {
            _lastOutcome = e;
            Finish(e.Round);
        });
        Recover<RecoveryCompleted>(_ => Resume());

        Command<RegisterClient>(Register);
        Command<SubscribeRounds>(s => _subscribers.Add(s.Subscriber));
        Command<StartRound>(_ => Start());
        Command<SubmitUpdate>(s => Submit(s.Update));
        Command<TrainingFailed>(OnTrainingFailed);
        Command<Terminated>(t => OnTerminated(t.ActorRef));
        Command<DropClient>(d =>
        {
            if (_clients.TryGetValue(d.ClientId, out var c))
            {
                Context.Unwatch(c.Ref);
                Drop(d.ClientId, d.Reason);
            }
        });
        Command<RoundDeadline>(OnDeadline);
        Command<CheckQuorum>(_ => CheckCompletion());
        Command<GetRoundStatus>(_ => Sender.Tell(Status()));
        Command<ActorIdentity>(OnIdentity);
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => Log.Warning($"snapshot at {f.Metadata.SequenceNr} failed: {f.Cause.Message}"));
        ReceiveAggregatorAnswers();
        ReceiveRegistryAnswers();
    }

    public override string PersistenceId => _persistenceId;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props on the round dispatcher, apart from client training.</summary>
    public static Props Props(IFederatedStrategy strategy, GlobalModel initial, RoundSettings settings, UpdateSpool spool,
        IEnumerable<RegisterClient>? clients = null, string persistenceId = DefaultPersistenceId, IEnumerable<IActorRef>? subscribers = null)
    {
        var list = clients?.ToArray();
        var subs = subscribers?.ToArray();
        return ActorFactory<RoundManager>.Props(() => new RoundManager(strategy, initial, settings, spool, list, persistenceId, subs))
            .WithDispatcher(WorkDispatcher.RoundsId);
    }

    /// <summary>As <see cref="Props(IFederatedStrategy, GlobalModel, RoundSettings, UpdateSpool, IEnumerable{RegisterClient}?, string, IEnumerable{IActorRef}?)"/>, with the aggregators' Props chosen by <paramref name="aggregatorProps"/> and the expert registry's by <paramref name="registryProps"/> (null: the real ones).</summary>
    internal static Props Props(IFederatedStrategy strategy, GlobalModel initial, RoundSettings settings, UpdateSpool spool,
        IEnumerable<RegisterClient>? clients, string persistenceId, Func<(int Layer, int Expert)?, Props>? aggregatorProps,
        Func<GlobalModel, Props>? registryProps = null)
    {
        var list = clients?.ToArray();
        return ActorFactory<RoundManager>.Props(() => new RoundManager(strategy, initial, settings, spool, list, persistenceId, null, aggregatorProps, registryProps))
            .WithDispatcher(WorkDispatcher.RoundsId);
    }

    // ------------------------------------------------------------------ recovery

    private void Finish(int round)
    {
        _lastFinished = _open is { } o && o.Round == round ? new FinishedRound(round, o.AcceptedByClient) : new FinishedRound(round, new Dictionary<string, string>());
        _open = null;
        _nextRound = round + 1;
    }

    /// <summary>Rebuilds what the journal does not hold: the model, the plans and the merge of the spooled updates.</summary>
    private void Resume()
    {
        if (_modelDigest is not null)
        {
            _model = ModelBlob.Read(_spool.Get(_modelDigest), _initial);   // Get checks the bytes against the digest
        }
        SpawnRegistry();
        foreach (var (id, c) in _clients)
        {
            Context.Watch(c.Ref);
        }
        if (_open is { } open)
        {
            ResumeRound(open);
        }
        FindRegisteredClients();
        if (LastSequenceNr > 0)
        {
            object? outcome = _lastOutcome switch
            {
                RoundCommitted c => new RoundCompleted(c.Round, _model, c.ModelDigest, c.Metrics, c.Dropped),
                RoundClosedIncomplete c => new RoundClosed(c.Round, c.Reason),
                _ => null,
            };
            Publish(new RoundManagerRecovered(_open?.Round, _nextRound, outcome));
        }
    }

    private void ResumeRound(OpenRound open)
    {
        var missing = open.Participants.Where(p => !_clients.ContainsKey(p) && !_registered.ContainsKey(p)).ToList();
        if (missing.Count > 0)
        {
            Log.Error($"round {open.Round} cannot resume: participants {string.Join(", ", missing)} are not registered any more");
            Self.Tell(new RoundDeadline(open.Round, -1));
            open.Unresumable = $"participants {string.Join(", ", missing)} were not registered after recovery";
            return;
        }
        var profiles = open.Participants.Select(ProfileOf).ToList();
        var plans = _strategy.ConfigureTrain(open.Round, _model, profiles);
        for (int i = 0; i < plans.Count; i++)
        {
            if (Digests.OfPlan(plans[i]) != open.PlanDigests[i])
            {
                open.Unresumable = $"the recomputed plan of '{plans[i].ClientId}' differs from the journaled one (strategy or options changed)";
                Log.Error($"round {open.Round} cannot resume: {open.Unresumable}");
                Self.Tell(new RoundDeadline(open.Round, -1));
                return;
            }
        }
        BeginMerge(open, plans, profiles);
        foreach (var (_, digest) in open.AcceptedInOrder)
        {
            Merge(open, Digests.DeserializeUpdate(_spool.Get(digest)));
        }
        // The deadline restarts in full: the time spent down is not charged to the clients.
        StartDeadline(open);
        // Plans again to those still owing an update: the restart may have come before the plans
        // were sent; a client that already trained resends its update instead of training again.
        // Clients known only from the journal get theirs once they are found (Adopt).
        foreach (var plan in plans.Where(p => open.IsOutstanding(p.ClientId) && _clients.ContainsKey(p.ClientId)))
        {
            _clients[plan.ClientId].Ref.Tell(new TrainRound(plan, _model), Self);
        }
        Self.Tell(CheckQuorum.Instance);
    }

    // ------------------------------------------------------------------ commands

    private void Register(RegisterClient r)
    {
        var registered = new ClientRegistered(r.Profile, r.Client.Path.ToString());
        if (_registered.TryGetValue(r.Profile.ClientId, out var known) && known.Equals(registered))
        {
            Adopt(r.Profile, r.Client);
            return;
        }
        Persist(registered, e =>
        {
            ApplyRegistered(e);
            Adopt(r.Profile, r.Client);
        });
    }

    private void ApplyRegistered(ClientRegistered e)
    {
        _registered[e.ClientId] = e;
        if (_clients.TryGetValue(e.ClientId, out var live))
        {
            _clients[e.ClientId] = (e.Profile, live.Ref);
        }
    }

    private ClientProfile ProfileOf(string clientId) =>
        _clients.TryGetValue(clientId, out var c) ? c.Profile : _registered[clientId].Profile;

    /// <summary>Makes <paramref name="client"/> the live actor of its id; a new one that owes the open round an update gets its plan.</summary>
    private void Adopt(ClientProfile profile, IActorRef client)
    {
        string id = profile.ClientId;
        bool known = _clients.TryGetValue(id, out var current) && current.Ref.Equals(client);
        if (current.Ref is { } earlier && !known)
        {
            Context.Unwatch(earlier);
        }
        _clients[id] = (profile, client);
        Context.Watch(client);
        if (!known && _open is { Unresumable: null, Committing: false, Closing: false } open && open.IsOutstanding(id)
            && open.Plans.FirstOrDefault(p => p.ClientId == id) is { } plan)
        {
            client.Tell(new TrainRound(plan, _model), Self);
        }
    }

    /// <summary>After recovery: asks each journaled client not given in the Props to identify itself at its path.</summary>
    private void FindRegisteredClients()
    {
        foreach (var (id, e) in _registered.Where(r => !_clients.ContainsKey(r.Key)))
        {
            try
            {
                // A client on another node is looked up there (its node may be back at the same
                // address); a local path without its address, which may name an earlier system.
                var path = ActorPath.Parse(e.ActorPath);
                Context.System.ActorSelection(path.Address.HasGlobalScope ? path.ToString() : path.ToStringWithoutAddress()).Tell(new Identify(id), Self);
            }
            catch (Exception x) when (x is ArgumentException or FormatException)
            {
                Log.Warning($"client '{id}' was registered at '{e.ActorPath}', which cannot be looked up ({x.Message}); it must register again");
            }
        }
    }

    private void OnIdentity(ActorIdentity identity)
    {
        if (identity.MessageId is not string id || !_registered.TryGetValue(id, out var e) || _clients.ContainsKey(id))
        {
            return;
        }
        if (identity.Subject is not { } client)
        {
            Log.Warning($"client '{id}' is no longer at '{e.ActorPath}'; it must register again");
            return;
        }
        Adopt(e.Profile, client);
    }

    private void Start()
    {
        if (_open is { } busy)
        {
            Sender.Tell(new RoundNotStarted($"round {busy.Round} is still open", busy.Round));
            return;
        }
        if (_clients.Count < _settings.MinClients)
        {
            Sender.Tell(new RoundNotStarted($"round {_nextRound} needs at least {_settings.MinClients} clients; {_clients.Count} are registered"));
            return;
        }
        int round = _nextRound;
        var participants = Sample(round);
        var plans = _strategy.ConfigureTrain(round, _model, [.. participants.Select(p => _clients[p].Profile)]);
        var started = new RoundStarted(round, _model.Version, [.. participants], [.. plans.Select(Digests.OfPlan)]);
        // The handlers work on the events as written, not on the copies the journal hands back:
        // under akka.actor.serialize-messages those come back through Akka's JSON fallback, which
        // drops a protobuf message's repeated fields.
        Persist(started, _ =>
        {
            var open = new OpenRound(started);
            BeginMerge(open, plans, [.. participants.Select(p => _clients[p].Profile)]);
            _open = open;
            // The deadline is armed before any plan leaves, so a participant (or a test advancing
            // virtual time) that sees its plan always finds the deadline already running.
            StartDeadline(open);
            foreach (var plan in plans)
            {
                _clients[plan.ClientId].Ref.Tell(new TrainRound(plan, _model), Self);
            }
            Sender.Tell(new RoundOpened(round, _model.Version, started.Participants));
        });
    }

    /// <summary>
    /// max(min-clients, ⌈fraction·n⌉) clients, the lowest by a hash of (seed, round, id): the
    /// same clients for the same seed whatever the registration order. Returned in id order.
    /// </summary>
    private List<string> Sample(int round)
    {
        int n = _clients.Count;
        int k = Math.Min(n, Math.Max(_settings.MinClients, (int)Math.Ceiling(_settings.SampleFraction * n)));
        return [.. _clients.Keys
            .OrderBy(id => SampleKey(_settings.Seed, round, id)).ThenBy(id => id, StringComparer.Ordinal)
            .Take(k)
            .Order(StringComparer.Ordinal)];
    }

    private static ulong SampleKey(int seed, int round, string id)
    {
        ulong h = 0xCBF29CE484222325UL;
        foreach (char c in id)
        {
            h = (h ^ c) * 0x100000001B3UL;
        }
        h ^= ((ulong)(uint)seed << 32) | (uint)round;
        // SplitMix64 finaliser: spreads the bits so that close ids land far apart.
        h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9UL;
        h = (h ^ (h >> 27)) * 0x94D049BB133111EBUL;
        return h ^ (h >> 31);
    }

    private void Submit(SparseUpdate update)
    {
        string client = update.ClientId;
        if (_open is not { } open || update.Round != open.Round)
        {
            if (_lastFinished is { } last && last.Round == update.Round
                && last.Accepted.TryGetValue(client, out var done) && done == Digests.Of(Digests.Serialize(update)))
            {
                // A resend of an update that was counted: the same ack again, nothing else.
                Sender.Tell(new UpdateAck(update.Round, client, done));
                return;
            }
            Sender.Tell(new UpdateRejected(update.Round, client, WrongRound(update.Round)));
            return;
        }
        if (open.Unresumable is not null)
        {
            Sender.Tell(new UpdateRejected(open.Round, client, $"round {open.Round} is closing: {open.Unresumable}"));
            return;
        }
        if (open.AcceptedByClient.TryGetValue(client, out var accepted))
        {
            string digest = Digests.Of(Digests.Serialize(update));
            Sender.Tell(digest == accepted
                ? new UpdateAck(open.Round, client, accepted)
                : new UpdateRejected(open.Round, client, $"'{client}' already has an accepted update ({accepted}) in round {open.Round}; a different second one is refused"));
            return;
        }
        if (open.Dropped.TryGetValue(client, out var why))
        {
            Sender.Tell(new UpdateRejected(open.Round, client, $"'{client}' was dropped from round {open.Round}: {why}"));
            return;
        }
        if (open.Committing || open.Closing)
        {
            Sender.Tell(new UpdateRejected(open.Round, client, $"round {open.Round} is already being {(open.Committing ? "committed" : "closed")}; the update came too late"));
            return;
        }
        if (open.Validate(update) is { } rejection)
        {
            Sender.Tell(new UpdateRejected(open.Round, client, rejection.Reason));
            return;
        }
        byte[] bytes = Digests.Serialize(update);
        string id = Digests.Of(bytes);
        _spool.Put(id, bytes);
        Persist(new UpdateAccepted(open.Round, client, id), e =>
        {
            ApplyAccepted(e);
            Merge(open, update);
            Sender.Tell(new UpdateAck(e.Round, e.ClientId, e.Digest));
            CheckCompletion();
        });
    }

    private string WrongRound(int round)
    {
        if (_open is { } open)
        {
            return round < open.Round
                ? $"stale: the update is for round {round}; round {open.Round} is open"
                : $"the update is for round {round}, which has not started; round {open.Round} is open";
        }
        return round < _nextRound
            ? $"late: round {round} is already over; no round is open"
            : $"the update is for round {round}, which has not started; no round is open";
    }

    /// <summary>
    /// DeathWatch: the registry, an aggregator of the current set, or a client stopped. Plain
    /// <c>Watch</c> and one handler rather than <c>WatchWith</c>: a persistent actor stashes the
    /// envelope while it persists, and a stashed <see cref="Terminated"/> comes back as itself, not
    /// as the custom message. Replaced registries and aggregator sets are unwatched before they are
    /// stopped, so their stops never arrive.
    /// </summary>
    private void OnTerminated(IActorRef actor)
    {
        if (IsRegistry(actor))
        {
            OnRegistryStopped();
            return;
        }
        if (_open is { Aggregators: { } aggregators, Closing: false } round && aggregators.IsMember(actor))
        {
            OnAggregatorStopped(round, aggregators);
            return;
        }
        // The client registered under this ref now; a ref an id was registered with earlier is not watched any more.
        var client = _clients.FirstOrDefault(c => c.Value.Ref.Equals(actor));
        if (client.Key is null)
        {
            return;
        }
        Drop(client.Key, "the client stopped");
    }

    /// <summary>Forgets the live client; an update it owes the open round is journaled as dropped.</summary>
    private void Drop(string clientId, string reason)
    {
        _clients.Remove(clientId);
        RecordDropped(clientId, reason);
    }

    /// <summary>A participant whose training failed is dropped from the open round only: it stays registered.</summary>
    private void OnTrainingFailed(TrainingFailed f)
    {
        if (!_clients.TryGetValue(f.ClientId, out var c) || !c.Ref.Equals(Sender))
        {
            Log.Warning($"ignored a training failure in the name of '{f.ClientId}' from {Sender.Path}, which is not that client");
            return;
        }
        if (_open is not { } open || open.Round != f.Round)
        {
            return; // about a round that is over
        }
        RecordDropped(f.ClientId, $"its training failed: {f.Reason}");
    }

    private void RecordDropped(string clientId, string reason)
    {
        if (_open is { } open && open.IsOutstanding(clientId))
        {
            Log.Info($"round {open.Round}: '{clientId}' dropped: {reason}");
            Persist(new ClientDropped(open.Round, clientId, reason), e =>
            {
                ApplyDropped(e);
                CheckCompletion();
            });
        }
    }

    private void OnDeadline(RoundDeadline d)
    {
        if (_open is not { } open || open.Round != d.Round || (d.Extension != open.Extensions && d.Extension >= 0))
        {
            return; // a deadline of a round (or an extension) that is already over
        }
        if (open.Committing || open.Closing)
        {
            return; // the round is already ending (its merge is being finalised)
        }
        if (open.Unresumable is not null)
        {
            Close(open, $"closed after recovery: {open.Unresumable}");
            return;
        }
        if (open.AcceptedByClient.Count >= _settings.MinClients)
        {
            var late = open.Participants.Where(open.IsOutstanding).Select(p => new ClientDropped(open.Round, p, "missed the deadline")).ToList();
            if (late.Count > 0)
            {
                PersistAll(late, ApplyDropped);
            }
            Commit(open);
            return;
        }
        string shortfall = $"{open.AcceptedByClient.Count} of the {_settings.MinClients} updates needed were accepted by the deadline";
        if (_settings.OnQuorumMissed == QuorumPolicy.Extend && open.Extensions < _settings.MaxExtensions)
        {
            Persist(new DeadlineExtended(open.Round, open.Extensions + 1), e =>
            {
                open.Extensions = e.Extension;
                Log.Warning($"round {open.Round}: {shortfall}; deadline extended ({e.Extension} of {_settings.MaxExtensions})");
                StartDeadline(open);
            });
            return;
        }
        Close(open, shortfall);
    }

    private void Close(OpenRound open, string reason)
    {
        if (open.Closing)
        {
            return;
        }
        open.Closing = true;
        StopAggregators(open);
        UndoRegistryApply(open);
        Persist(new RoundClosedIncomplete(open.Round, reason), e =>
        {
            Timers.Cancel(DeadlineKey);
            _lastOutcome = e;
            Finish(e.Round);
            Log.Warning($"round {e.Round} closed incomplete: {e.Reason}; the global model is unchanged (version {_model.Version})");
            Publish(new RoundClosed(e.Round, e.Reason));
        });
    }

    /// <summary>All participants answered (accepted or dropped) with a quorum: merge now rather than wait for the deadline.</summary>
    private void CheckCompletion()
    {
        if (_open is { Unresumable: null, Committing: false, Closing: false } open
            && open.AllAnswered
            && open.AcceptedByClient.Count >= _settings.MinClients)
        {
            Commit(open);
        }
    }

    private void Commit(OpenRound open)
    {
        open.Committing = true;
        var failures = open.Participants
            .Where(p => !open.AcceptedByClient.ContainsKey(p))
            .Select(p => new ClientFailure(p, open.Dropped.TryGetValue(p, out var why) ? why : "missed the deadline"))
            .ToList();
        open.Pending = new PendingCommit(failures);
        if (open.Aggregators is { } aggregators)
        {
            // The results come from the aggregators' answers (CompleteIfMerged), then go to the registry.
            Finalise(aggregators);
            return;
        }
        var result = open.Aggregation!.Complete(failures);
        ApplyThroughRegistry(open, WholeModel(open, _model.Version, result.Model), _ => result);
    }

    /// <summary>Spools the merged model, then journals <see cref="RoundCommitted"/> and publishes the outcome.</summary>
    private void CommitModel(OpenRound open, GlobalModel model, IReadOnlyDictionary<string, double> metrics, IReadOnlyList<Rejection> rejections, IReadOnlyList<ClientFailure> failures)
    {
        byte[] blob = ModelBlob.Write(model);
        string digest = Digests.Of(blob);
        _spool.Put(digest, blob);
        var dropped = failures.Select(f => f.ClientId).ToList();
        var committed = new RoundCommitted(open.Round, model.Version, digest, new Dictionary<string, double>(metrics, StringComparer.Ordinal), [.. dropped]);
        Persist(committed, _ =>
        {
            var e = committed;
            Timers.Cancel(DeadlineKey);
            _lastOutcome = e;
            _model = model;
            _modelDigest = e.ModelDigest;
            Finish(e.Round);
            foreach (var r in rejections)
            {
                Log.Warning($"round {e.Round}: the merge refused '{r.ClientId}': {r.Reason}");
            }
            Publish(new RoundCompleted(e.Round, _model, e.ModelDigest, e.Metrics, dropped));
            if (_settings.SnapshotEvery > 0 && (e.Round + 1) % _settings.SnapshotEvery == 0)
            {
                var snapshot = new RoundManagerSnapshot(_nextRound, _model.Version, _modelDigest);
                snapshot.Clients.AddRange(_registered.Values);
                SaveSnapshot(snapshot);
            }
        });
    }

    private void Publish(object message)
    {
        foreach (var s in _subscribers)
        {
            s.Tell(message, Self);
        }
    }

    private const string DeadlineKey = "round-deadline";

    private void StartDeadline(OpenRound open) =>
        Timers.StartSingleTimer(DeadlineKey, new RoundDeadline(open.Round, open.Extensions), _settings.Deadline);

    private void ApplyAccepted(UpdateAccepted e) => _open!.Accept(e.ClientId, e.Digest);

    private void ApplyDropped(ClientDropped e) => _open!.Dropped[e.ClientId] = e.Reason;

    private RoundStatus Status() => new(
        _open?.Round, _nextRound, _model,
        _open is null ? [] : [.. _open.AcceptedInOrder.Select(a => a.ClientId)],
        _open is null ? [] : [.. _open.Dropped.Keys.Order(StringComparer.Ordinal)],
        _open?.Extensions ?? 0,
        [.. _clients.Keys.Order(StringComparer.Ordinal)]);

    private sealed record CheckQuorum : INoSerializationVerificationNeeded
    {
        public static CheckQuorum Instance { get; } = new();
    }

    private sealed record FinishedRound(int Round, IReadOnlyDictionary<string, string> Accepted);

    /// <summary>The open round: what the journal says (participants, accepted digests, drops) plus the merge in progress.</summary>
    private sealed class OpenRound(RoundStarted started)
    {
        private readonly List<(string ClientId, string Digest)> _accepted = [];
        private UpdateValidator? _validator;
        private Dictionary<string, int> _samples = new(StringComparer.Ordinal);

        public int Round { get; } = started.Round;

        public IReadOnlyList<string> Participants { get; } = [.. started.Participants];

        // Membership checks run once per update and per participant: a list would make a round
        // of n clients cost O(n²) lookups per update.
        private readonly HashSet<string> _participants = new(started.Participants, StringComparer.Ordinal);

        public IReadOnlyList<string> PlanDigests { get; } = [.. started.PlanDigests];

        public Dictionary<string, string> AcceptedByClient { get; } = new(StringComparer.Ordinal);

        public IReadOnlyList<(string ClientId, string Digest)> AcceptedInOrder => _accepted;

        public Dictionary<string, string> Dropped { get; } = new(StringComparer.Ordinal);

        public int Extensions { get; set; }

        /// <summary>The strategy's own merge (strategies that cannot delegate their tensors), or null.</summary>
        public IRoundAggregation? Aggregation { get; private set; }

        /// <summary>The strategy's validation, weights and metrics while the aggregators merge the tensors, or null.</summary>
        public DelegatedMerge? Delegated { get; private set; }

        /// <summary>The weights each update sent to the aggregators was merged with (kept to route it again after a rebuild).</summary>
        public Dictionary<string, ContributionWeights> Weights { get; } = new(StringComparer.Ordinal);

        /// <summary>The importance scores of each merged update, for the registry's per-client history.</summary>
        public Dictionary<string, IReadOnlyList<double>> Importance { get; } = new(StringComparer.Ordinal);

        public bool Committing { get; set; }

        /// <summary>RoundClosedIncomplete is being journaled: nothing else may end the round.</summary>
        public bool Closing { get; set; }

        /// <summary>The aggregator actors merging the round (null: the strategy merges in the manager).</summary>
        public RoundAggregators? Aggregators { get; set; }

        public int AggregatorRebuilds { get; set; }

        /// <summary>Set by Commit: the aggregators finalise, then the registry applies the round.</summary>
        public PendingCommit? Pending { get; set; }

        public IReadOnlyList<TrainPlan> Plans { get; private set; } = [];

        public IReadOnlyList<ClientProfile> Profiles { get; private set; } = [];

        /// <summary>Why the round cannot continue after recovery (it is closed at once), or null.</summary>
        public string? Unresumable { get; set; }

        public void Begin(IReadOnlyList<TrainPlan> plans, DelegatedMerge delegated, GlobalModel model, IReadOnlyList<ClientProfile> profiles, double valueBound)
        {
            Delegated = delegated;
            Begin(plans, model, profiles, valueBound);
        }

        public void Begin(IReadOnlyList<TrainPlan> plans, IRoundAggregation aggregation, GlobalModel model, IReadOnlyList<ClientProfile> profiles, double valueBound)
        {
            Aggregation = aggregation;
            Begin(plans, model, profiles, valueBound);
        }

        private void Begin(IReadOnlyList<TrainPlan> plans, GlobalModel model, IReadOnlyList<ClientProfile> profiles, double valueBound)
        {
            Plans = plans;
            Profiles = profiles;
            var byClient = plans.ToDictionary(p => p.ClientId, StringComparer.Ordinal);
            _validator = new UpdateValidator(model, Round, byClient, valueBound);
            _samples = profiles.ToDictionary(p => p.ClientId, p => p.SampleCount, StringComparer.Ordinal);
        }

        public void Accept(string client, string digest)
        {
            if (AcceptedByClient.TryAdd(client, digest))
            {
                _accepted.Add((client, digest));
            }
        }

        public bool IsOutstanding(string client) =>
            _participants.Contains(client) && !AcceptedByClient.ContainsKey(client) && !Dropped.ContainsKey(client);

        /// <summary>Every participant has answered or dropped (accepted and dropped are disjoint sets of participants).</summary>
        public bool AllAnswered => AcceptedByClient.Count + Dropped.Keys.Count(d => _participants.Contains(d) && !AcceptedByClient.ContainsKey(d)) >= _participants.Count;

        /// <summary>Everything the merge would refuse, checked before the update is journaled (an accepted update must merge).</summary>
        public Rejection? Validate(SparseUpdate update)
        {
            if (_validator is null)
            {
                return new Rejection(update.ClientId, $"round {Round} is not ready to accept updates");
            }
            if (_validator.Validate(update) is { } rejection)
            {
                return rejection;
            }
            return update.SampleCount > _samples[update.ClientId]
                ? new Rejection(update.ClientId, $"claims {update.SampleCount} samples; its profile has {_samples[update.ClientId]}")
                : null;
        }
    }
}
