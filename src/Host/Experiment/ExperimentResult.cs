namespace HFedMoE.Host.Experiment;

/// <summary>What an experiment produced: every round of every cell, and the files written.</summary>
internal sealed record ExperimentResult(IReadOnlyList<ExperimentRow> Rows, int CellsRun, int CellsReused, IReadOnlyList<string> Files, TimeSpan Elapsed);
