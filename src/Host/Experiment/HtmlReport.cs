using System.Globalization;
using System.Text;

namespace HFedMoE.Host.Experiment;

/// <summary>
/// report.html: one self-contained page (inline CSS and SVG; no scripts, no external files) with
/// the summary picture, then per (α, budget set) the accuracy curves, the rounds- and
/// time-to-target table, compute per tier, the expert-usage heatmaps, the drop after aggregation
/// and the computed verdicts.
/// </summary>
internal static class HtmlReport
{
    private const string Css =
        "body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px}" +
        "table{border-collapse:collapse;margin:8px 0 16px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}" +
        "th{background:#f0f0f0}td:first-child,th:first-child{text-align:left}figure{margin:12px 0}" +
        "figcaption{font-size:12px;color:#555}.verdicts li{margin:4px 0}.row{display:flex;flex-wrap:wrap;gap:12px}";

    public static string Render(SummaryTable table, IReadOnlyList<GroupPlots> groups, NamedPlot picture)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(picture);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>HFedMoE experiment report</title><style>")
            .Append(Css).Append("</style></head><body>\n<h1>HFedMoE experiment report</h1>\n");
        html.Append(CultureInfo.InvariantCulture,
            $"<p>Accuracy is the mean of the last {SeedSummary.LastRounds} rounds per seed, then mean ± sample sd over seeds. Target: {SummaryTable.TargetFraction:P0} of fedavg-full's final accuracy (same seed, α and tiers).</p>\n");
        Figure(html, picture);
        foreach (var group in table.Groups)
        {
            var (alpha, tiers) = group.Key;
            var plots = groups.FirstOrDefault(g => g.Alpha == alpha && g.Tiers == tiers);
            html.Append(CultureInfo.InvariantCulture, $"<h2>α = {alpha}, tiers {Escape(tiers)}</h2>\n");
            if (plots is not null)
            {
                Figure(html, plots.Accuracy);
            }
            html.Append("<table><tr><th>strategy</th><th>accuracy %</th><th>rare accuracy %</th><th>rounds to target</th><th>time to target</th><th>expert backward passes</th><th>FLOPs</th><th>failure rate %</th></tr>\n");
            foreach (var s in group)
            {
                html.Append(CultureInfo.InvariantCulture,
                    $"<tr><td>{Escape(s.Strategy)}</td><td>{Escape(DisplayFormat.PercentSpread(s.MeanAccuracy, s.SdAccuracy))}</td><td>{Escape(DisplayFormat.PercentSpread(s.MeanRareAccuracy, s.SdRareAccuracy))}</td><td>{Escape(DisplayFormat.RoundsToTarget(s))}</td><td>{Escape(DisplayFormat.TimeToTarget(s))}</td><td>{Escape(DisplayFormat.Large(s.ExpertBackwardPasses))}</td><td>{Escape(DisplayFormat.Large(s.Flops))}</td><td>{Escape(DisplayFormat.Percent(s.FailureRate))}</td></tr>\n");
            }
            html.Append("</table>\n<h3>Verdicts (computed)</h3>\n<ul class=\"verdicts\">\n");
            foreach (string line in Verdicts.For(group))
            {
                html.Append("<li>").Append(Escape(line)).Append("</li>\n");
            }
            html.Append("</ul>\n");
            if (plots is not null)
            {
                Figure(html, plots.Compute);
                html.Append("<div class=\"row\">\n");
                foreach (var heatmap in plots.Heatmaps)
                {
                    Figure(html, heatmap);
                }
                html.Append("</div>\n");
                Figure(html, plots.Drop);
            }
        }
        html.Append("</body></html>\n");
        return html.ToString();
    }

    public static string Escape(string text) => SvgCanvas.Escape(text);

    private static void Figure(StringBuilder html, NamedPlot plot)
    {
        // The standalone SVG is valid inline in HTML5; its XML namespace attribute is harmless there.
        html.Append("<figure>\n").Append(plot.Svg).Append("<figcaption>").Append(Escape(plot.Caption)).Append("</figcaption></figure>\n");
    }
}
