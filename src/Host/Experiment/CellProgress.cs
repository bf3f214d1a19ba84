namespace HFedMoE.Host.Experiment;

/// <summary>A cell that just finished (or was reused), with where the grid stands.</summary>
internal sealed record CellProgress(GridCell Cell, bool Reused, double FinalAccuracy, double Seconds, int Done, int Total, TimeSpan Remaining);
