using HFedMoE.Actors.Rounds;
using HFedMoE.Model.Federated;

namespace HFedMoE.Actors.Server;

/// <summary>Runs <paramref name="Rounds"/> rounds one after the other. Replies <see cref="FederationResult"/> or <see cref="FederationFailed"/>.</summary>
public sealed record RunRounds(int Rounds);

/// <summary>The final global model and what each round ended with (<see cref="RoundCompleted"/> or <see cref="RoundClosed"/>).</summary>
public sealed record FederationResult(GlobalModel Model, IReadOnlyList<object> Rounds)
{
    /// <summary>The metrics of the last committed round (empty if none committed).</summary>
    public IReadOnlyDictionary<string, double> FinalMetrics =>
        Rounds.OfType<RoundCompleted>().LastOrDefault()?.Metrics ?? new Dictionary<string, double>();
}

public sealed record FederationFailed(string Reason);
