namespace HFedMoE.Host.Experiment;

/// <summary>A rendered plot and the file name it gets under plots/.</summary>
internal sealed record NamedPlot(string FileName, string Caption, string Svg);
