namespace HFedMoE.Host.Experiment;

/// <summary>
/// One line of a line plot: a mean per x, optionally with a min–max band (the seed spread). NaN
/// values leave a gap. An emphasised line is drawn thicker and on top of the others.
/// </summary>
internal sealed record PlotSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Mean, IReadOnlyList<double>? Min = null, IReadOnlyList<double>? Max = null, bool Emphasised = false);
