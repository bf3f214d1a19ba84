namespace HFedMoE.Host.Experiment;

/// <summary>The plots of one (α, budget set) group of the report.</summary>
internal sealed record GroupPlots(double Alpha, string Tiers, NamedPlot Accuracy, NamedPlot Drop, NamedPlot Compute, IReadOnlyList<NamedPlot> Heatmaps)
{
    public IEnumerable<NamedPlot> All => [Accuracy, Drop, Compute, .. Heatmaps];
}
