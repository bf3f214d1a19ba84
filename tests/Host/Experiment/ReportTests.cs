using System.Xml.Linq;
using HFedMoE.Host.Experiment;
using HFedMoE.Model.Federated;

namespace HFedMoE.Host.Tests.Experiment;

public sealed class ReportTests
{
    private static List<ExperimentRow> Rows(string odd) =>
    [
        .. SyntheticRows.Cell(StrategyFactory.FedAvgFull, 7, [0.5, 0.7, 0.8], passes: 40),
        .. SyntheticRows.Cell(StrategyFactory.HFedMoE, 7, [0.6, 0.77, 0.78]),
        .. SyntheticRows.Cell(odd, 7, [0.2, 0.3, 0.4]),
        .. SyntheticRows.Cell(StrategyFactory.HFedMoE, 7, [0.3, 0.4, 0.5], alpha: 0.1),
    ];

    [Fact]
    public void The_report_is_self_contained_with_the_plots_and_numbers_and_escapes_strategy_names()
    {
        const string odd = "<b>&\"x\"";
        var rows = Rows(odd);
        var table = SummaryTable.From(rows);

        string html = HtmlReport.Render(table, ReportPlots.For(rows, table), ReportPlots.Picture(rows, table));

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http://cdn", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(odd, html, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;&amp;&quot;x&quot;", html, StringComparison.Ordinal);
        Assert.Contains("<h2>α = 0.5, tiers 4-8-16-32</h2>", html, StringComparison.Ordinal);
        Assert.Contains("<h2>α = 0.1, tiers 4-8-16-32</h2>", html, StringComparison.Ordinal);
        Assert.Contains("<td>hfedmoe</td><td>71.7 ± –</td>", html, StringComparison.Ordinal); // (0.6 + 0.77 + 0.78) / 3
        Assert.Contains("<polyline", html, StringComparison.Ordinal);   // accuracy lines
        Assert.Contains("<polygon", html, StringComparison.Ordinal);    // the min–max band (flat with one seed)
        Assert.Contains("Expert usage: hfedmoe", html, StringComparison.Ordinal);
        Assert.Contains("Expert backward passes per client per round", html, StringComparison.Ordinal);
        Assert.Contains("Local accuracy drop right after aggregation", html, StringComparison.Ordinal);
        Assert.Contains("Verdicts (computed)", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_plot_is_well_formed_svg_and_the_picture_has_a_panel_per_alpha()
    {
        var rows = Rows("a&b");
        var table = SummaryTable.From(rows);
        var groups = ReportPlots.For(rows, table);
        var picture = ReportPlots.Picture(rows, table);

        Assert.Equal(2, groups.Count);
        foreach (var plot in groups.SelectMany(g => g.All).Append(picture))
        {
            var svg = XDocument.Parse(plot.Svg).Root!;
            Assert.Equal("svg", svg.Name.LocalName);
            Assert.EndsWith(".svg", plot.FileName, StringComparison.Ordinal);
        }
        var panels = XDocument.Parse(picture.Svg).Root!.Elements().Where(e => e.Name.LocalName == "g").ToList();
        Assert.Equal(2, panels.Count);
        Assert.Equal(["usage-a0.5-hfedmoe.svg", "usage-a0.5-fedavg-full.svg"], groups[0].Heatmaps.Select(h => h.FileName));
        // The heatmap has one cell per expert and round: 4 experts (SyntheticRows) × 3 rounds; expert 2 is missing (grey).
        var heatmap = XDocument.Parse(groups[0].Heatmaps[0].Svg).Root!;
        var cells = heatmap.Elements().Where(e => e.Name.LocalName == "rect" && e.Elements().Any(t => t.Name.LocalName == "title")).ToList();
        Assert.Equal(12, cells.Count);
        Assert.Equal(3, cells.Count(c => (string?)c.Attribute("fill") == "#bbbbbb"));
    }

    [Fact]
    public void The_picture_shows_hfedmoe_thick_with_its_band_against_the_baselines_and_leaves_out_the_ablations()
    {
        List<ExperimentRow> rows =
        [
            .. SyntheticRows.Cell(StrategyFactory.FedAvgFull, 7, [0.5, 0.7, 0.8]),
            .. SyntheticRows.Cell(StrategyFactory.RandomK, 7, [0.4, 0.6, 0.7]),
            .. SyntheticRows.Cell(StrategyFactory.HFedMoE, 7, [0.6, 0.77, 0.78]),
            .. SyntheticRows.Cell(StrategyFactory.HFedMoE, 11, [0.5, 0.7, 0.74]),
            .. SyntheticRows.Cell(StrategyFactory.HFedMoEBeta0, 7, [0.2, 0.3, 0.4]),
        ];
        var svg = XDocument.Parse(ReportPlots.Picture(rows, SummaryTable.From(rows)).Svg).Root!;
        var lines = svg.Descendants().Where(e => e.Name.LocalName == "polyline").ToList();

        Assert.Equal(3, lines.Count);   // fedavg-full, random-k, hfedmoe; not the ablation
        Assert.DoesNotContain(svg.Descendants(), e => e.Value == StrategyFactory.HFedMoEBeta0);
        Assert.Equal(StrategyFactory.HFedMoE, lines[^1].Value);   // drawn last, on top
        Assert.Equal("3.5", (string?)lines[^1].Attribute("stroke-width"));
        Assert.Single(svg.Descendants(), e => e.Name.LocalName == "polygon");   // only hfedmoe's seed band
    }

    [Fact]
    public void A_metric_nobody_reported_draws_no_data_instead_of_failing()
    {
        var plot = new SvgLinePlot("drop", "round", "pp") { Percent = true };
        plot.Series.Add(new PlotSeries("hfedmoe", [0, 1], [double.NaN, double.NaN]));
        var bars = new SvgBarChart("compute", "passes", ["hfedmoe"], [], new double[1, 0]);

        Assert.Contains(">no data</text>", plot.Render(), StringComparison.Ordinal);
        Assert.Contains(">no data</text>", bars.Render(), StringComparison.Ordinal);
        Assert.Equal("–", DisplayFormat.Percent(double.NaN));
    }

    [Fact]
    public void Metrics_csv_has_one_row_per_cell_and_round_with_empty_fields_for_missing_values()
    {
        var rows = Rows("a,b");
        string[] lines = MetricsFiles.Csv(rows).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(1 + rows.Count, lines.Length);
        Assert.StartsWith("alpha,tiers,strategy,seed,round,outcome,accuracy,rare_accuracy,local_accuracy,start_accuracy,drop_after_aggregation", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("0.5,4-8-16-32,\"a,b\",7,2,committed,0.4,0.2,", StringComparison.Ordinal));
        string summary = SummaryFiles.Csv(SummaryTable.From(rows));
        Assert.Contains("0.5,4-8-16-32,hfedmoe,7,", summary, StringComparison.Ordinal);
    }
}
