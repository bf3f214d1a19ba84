namespace HFedMoE.Host.Simulation;

/// <summary>What a simulation produced: the rounds, the starting accuracy, and where its files are.</summary>
internal sealed record SimulationResult(
    IReadOnlyList<RoundReport> Rounds,
    double InitialAccuracy,
    double InitialRareAccuracy,
    string BasePath,
    string CsvPath,
    string JsonPath,
    TimeSpan Elapsed)
{
    public RoundReport Final => Rounds[^1];
}
