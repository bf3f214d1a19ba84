using Google.Protobuf;
using HFedMoE.Actors.Protocol;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Aggregation;

/// <summary>
/// Where an aggregator is between rounds: the open round, and the last finalised round's ledger
/// and result, so that retries are answered the same way every time (idempotent): a resent
/// accepted update is acknowledged as a duplicate, a resent FinalizeRound gets the same result.
/// </summary>
internal sealed class RoundState
{
    private UpdateLedger? _finalised;
    private IMessage? _result;

    public ScopedRound? Open { get; private set; }

    /// <summary>Null if <paramref name="round"/> may be opened, else why not.</summary>
    public string? CanOpen(int round)
    {
        if (Open is { } open)
        {
            return $"round {open.Round} is still open; finalise it before opening round {round}";
        }
        return _finalised is { } f && round <= f.Round
            ? $"round {round} cannot be opened: round {f.Round} has already been finalised"
            : null;
    }

    public void Begin(ScopedRound round) => Open = round;

    /// <summary>
    /// The answer to <paramref name="finalize"/>, the same every time it is asked: the cached answer
    /// for the last finalised round; an <see cref="Error"/> for a round that is not open at that model
    /// version; else the round is merged (a merge that fails becomes the round's answer, as an
    /// <see cref="Error"/> prefixed with <paramref name="who"/>) and <paramref name="resultOf"/>'s
    /// message is cached as the answer.
    /// </summary>
    public IMessage Finalise(FinalizeRound finalize, string who, double routerDivisor, Func<ScopedRound, AggregationOutcome, IMessage> resultOf)
    {
        if (ResultOf(finalize.Round) is { } cached)
        {
            return cached;
        }
        if (ToFinalise(finalize.Round, finalize.ModelVersion, out var problem) is not { } round)
        {
            return new Error { Round = finalize.Round, ModelVersion = finalize.ModelVersion, Reason = problem };
        }
        AggregationOutcome outcome;
        try
        {
            outcome = round.Finalise(routerDivisor);
        }
        catch (InvalidOperationException e)
        {
            var error = new Error { Round = round.Round, ModelVersion = round.ModelVersion, Reason = $"{who}: {e.Message}" };
            Finish(error);
            return error;
        }
        var result = resultOf(round, outcome);
        Finish(result);
        return result;
    }

    /// <summary>The open round if it is <paramref name="round"/> at <paramref name="modelVersion"/>; else null and why.</summary>
    private ScopedRound? ToFinalise(int round, int modelVersion, out string? problem)
    {
        if (Open is { } open && open.Round == round && open.ModelVersion == modelVersion)
        {
            problem = null;
            return open;
        }
        string state = Open is { } o ? $"round {o.Round} (model version {o.ModelVersion}) is open" : "no round is open";
        problem = $"cannot finalise round {round} at model version {modelVersion}: {state}";
        return null;
    }

    public Admission Admit(int round, string clientId, byte[] digest)
    {
        if (Open is { } open && round == open.Round)
        {
            return Judge(open.Ledger, clientId, digest, $"a second, different update from '{clientId}' in round {round}; its first was accepted", null);
        }
        if (_finalised is { } f && round == f.Round)
        {
            string late = $"late: round {round} has already been finalised";
            return Judge(f, clientId, digest, late, late);
        }
        if (Open is { } current)
        {
            return Admission.Reject(round < current.Round
                ? $"stale round {round}; the current round is {current.Round}"
                : $"round {round} is not open; the current round is {current.Round}");
        }
        return Admission.Reject(_finalised is { } last
            ? $"round {round} is not open; no round is open (round {last.Round} was the last finalised)"
            : $"round {round} is not open; no round has been opened yet");
    }

    private void Finish(IMessage result)
    {
        _finalised = Open?.Ledger ?? throw new InvalidOperationException("no round is open");
        _result = result;
        Open = null;
    }

    /// <summary>The result the round was finalised with, if it is the last finalised round.</summary>
    private IMessage? ResultOf(int round) => _finalised?.Round == round ? _result : null;

    /// <summary>
    /// An identical resend is a duplicate; a different update from a client already accepted is
    /// refused with <paramref name="whenDifferent"/>; a first update proceeds, or is refused with
    /// <paramref name="whenNew"/> if set.
    /// </summary>
    private static Admission Judge(UpdateLedger ledger, string clientId, byte[] digest, string whenDifferent, string? whenNew)
    {
        if (ledger.TryGet(clientId, out var accepted))
        {
            return accepted.AsSpan().SequenceEqual(digest) ? Admission.AlreadyAccepted : Admission.Reject(whenDifferent);
        }
        return whenNew is null ? Admission.Pass : Admission.Reject(whenNew);
    }
}
