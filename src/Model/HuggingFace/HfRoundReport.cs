namespace HFedMoE.Model.HuggingFace;

/// <summary>
/// One round of a Hugging Face federated run: held-out perplexity per client and on the global
/// split (round 0: the imported model before any training), the clients' mean training loss, the
/// experts each client trained, and the strategy's round metrics.
/// </summary>
public sealed record HfRoundReport(
    int Round,
    IReadOnlyDictionary<string, double> ClientPerplexity,
    double GlobalPerplexity,
    double TrainLoss,
    IReadOnlyDictionary<string, int> TrainedExperts,
    IReadOnlyDictionary<string, double> Metrics,
    double Seconds);
