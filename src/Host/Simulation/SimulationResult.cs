namespace HFedMoE.Host.Simulation;

/// <summary>
/// What a simulation produced: the rounds (all of the run's, resumed ones included), the starting
/// accuracy, and where its files are. <see cref="RoundsBefore"/>: rounds the data folder already
/// held when this invocation started (0 for a new run); <see cref="AlreadyComplete"/>: it held
/// them all, so nothing was trained.
/// </summary>
internal sealed record SimulationResult(
    IReadOnlyList<RoundReport> Rounds,
    double InitialAccuracy,
    double InitialRareAccuracy,
    string BasePath,
    string CsvPath,
    string JsonPath,
    TimeSpan Elapsed,
    int RoundsBefore = 0,
    bool AlreadyComplete = false)
{
    public RoundReport Final => Rounds[^1];
}
