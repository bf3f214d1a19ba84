using HFedMoE.Actors.Aggregation;
using HFedMoE.Actors.Rounds;
using HFedMoE.Model.Data;
using HFedMoE.Model.Federated;
using Akka.Actor;
using Akka.Event;

namespace HFedMoE.Actors.Clients;

/// <summary>
/// One federated client: its local data and its profile (sample count and compute budget). It
/// holds no model: on a <see cref="TrainRound"/> it borrows a trainer from the node's
/// <see cref="TrainerPool"/>, trains the plan from the given global model, gives the trainer
/// back, and sends its update to the sender (the round manager) as <see cref="SubmitUpdate"/>.
/// So a node hosts thousands of virtual clients with one model copy per training thread.
/// Training is CPU-bound and blocks the actor's thread: run it on the dedicated dispatcher
/// (<see cref="Props"/> does). Until the update is acknowledged or rejected it is sent again
/// every resend interval: delivery is at-most-once, and the round manager answers a resend of
/// an accepted update with the same ack without counting it twice. An optional report gets one
/// line per plan received, update sent and answer (a cluster client node prints them).
/// </summary>
public sealed class Client : ReceiveActor, IWithTimers
{
    /// <summary>Resend interval when none is given.</summary>
    public static readonly TimeSpan DefaultResendInterval = TimeSpan.FromSeconds(30);

    private const string ResendKey = "resend-update";

    private readonly ClientProfile _profile;
    private readonly Dataset _data;
    private readonly TrainerPool _trainers;
    private readonly ILoggingAdapter _log;
    private readonly TimeSpan _resendInterval;
    private readonly Action<string> _report;
    private int _lastRound = -1;
    private (SubmitUpdate Message, IActorRef To)? _pending;

    public Client(ClientProfile profile, Dataset data, TrainerPool trainers, TimeSpan? resendInterval = null, Action<string>? report = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(trainers);
        if (data.Count != profile.SampleCount)
        {
            throw new ArgumentException($"client '{profile.ClientId}' has {data.Count} samples; its profile says {profile.SampleCount}", nameof(data));
        }
        _profile = profile;
        _data = data;
        _trainers = trainers;
        _resendInterval = resendInterval ?? DefaultResendInterval;
        if (_resendInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(resendInterval), _resendInterval, "resend interval must be positive");
        }
        _log = Context.GetLogger();
        _report = report ?? (_ => { });

        Receive<TrainRound>(Train);
        Receive<UpdateAck>(a =>
        {
            _log.Debug($"'{_profile.ClientId}': update for round {a.Round} acknowledged ({a.Digest})");
            if (IsPending(a.Round))
            {
                _report($"round {a.Round}: update accepted ({a.Digest})");
            }
            Settle(a.Round);
        });
        Receive<UpdateRejected>(r =>
        {
            _log.Warning($"'{_profile.ClientId}': update for round {r.Round} rejected: {r.Reason}");
            if (IsPending(r.Round))
            {
                _report($"round {r.Round}: update rejected: {r.Reason}");
            }
            Settle(r.Round);
        });
        Receive<ResendUpdate>(_ =>
        {
            if (_pending is { } p)
            {
                p.To.Tell(p.Message, Self);
            }
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props on the dedicated dispatcher (training must not starve the thread pool), borrowing trainers from <paramref name="trainers"/>.</summary>
    public static Props Props(ClientProfile profile, Dataset data, TrainerPool trainers, TimeSpan? resendInterval = null, Action<string>? report = null) =>
        ActorFactory<Client>.Props(() => new Client(profile, data, trainers, resendInterval, report)).WithDispatcher(WorkDispatcher.Id);

    /// <summary>Props of a client with a trainer of its own (a pool of one that nobody else uses).</summary>
    public static Props Props(ClientProfile profile, Dataset data, LocalTrainer trainer, TimeSpan? resendInterval = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        return Props(profile, data, new TrainerPool(1, () => trainer), resendInterval);
    }

    private void Train(TrainRound message)
    {
        var plan = message.Plan;
        if (plan.ClientId != _profile.ClientId)
        {
            _log.Warning($"'{_profile.ClientId}' got the plan of '{plan.ClientId}' for round {plan.Round}; ignored");
            return;
        }
        if (plan.Round <= _lastRound)
        {
            // A plan sent again (the round manager restarted) for a round already trained: resend
            // the unanswered update, to whoever sent the plan now, rather than train again.
            if (_pending is { } p && p.Message.Update.Round == plan.Round)
            {
                _pending = (p.Message, Sender);
                Sender.Tell(p.Message, Self);
            }
            return;
        }
        _report($"round {plan.Round}: plan received (budget {plan.ExpertBudget} experts, {plan.Local.Steps} local steps)");
        SparseUpdate update;
        try
        {
            using var lease = _trainers.Rent();
            update = lease.Trainer.Train(plan, message.Global, _data);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Said at once, so the round drops this client now rather than at its deadline; the
            // client stays up for the next round (each round loads the global model afresh).
            _lastRound = plan.Round;
            string reason = $"{e.GetType().Name}: {e.Message.Split('\n')[0].Trim()}";
            _log.Error(e, $"'{_profile.ClientId}': training for round {plan.Round} failed");
            _report($"round {plan.Round}: training failed: {reason}");
            Sender.Tell(new TrainingFailed(plan.Round, _profile.ClientId, reason), Self);
            return;
        }
        _lastRound = plan.Round;
        var submit = new SubmitUpdate(update);
        _pending = (submit, Sender);
        // Arm the resend before sending: whoever sees the update (a test advancing virtual time,
        // or a fast manager) must find the resend already scheduled.
        Timers.StartPeriodicTimer(ResendKey, ResendUpdate.Instance, _resendInterval);
        Sender.Tell(submit, Self);
        _report($"round {plan.Round}: trained experts [{string.Join(", ", update.TrainedExperts)}] on {update.SampleCount} samples; update sent");
    }

    private bool IsPending(int round) => _pending is { } p && p.Message.Update.Round == round;

    /// <summary>An answer for the pending round ends the resends (an answer for an older round changes nothing).</summary>
    private void Settle(int round)
    {
        if (_pending is { } p && p.Message.Update.Round == round)
        {
            _pending = null;
            Timers.Cancel(ResendKey);
        }
    }

    private sealed record ResendUpdate : INoSerializationVerificationNeeded
    {
        public static ResendUpdate Instance { get; } = new();
    }
}
