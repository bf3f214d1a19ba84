using System.Globalization;

namespace HFedMoE.Host.Experiment;

/// <summary>Lines with optional min–max bands over a shared x axis, a legend on the right; NaN points leave gaps.</summary>
internal sealed class SvgLinePlot(string title, string xLabel, string yLabel)
{
    private const double Left = 56, Top = 28, Bottom = 40, LegendWidth = 190;

    public IList<PlotSeries> Series { get; } = [];

    /// <summary>Fixed y range (e.g. 0..1 for accuracy); null: fitted to the data.</summary>
    public (double Min, double Max)? YRange { get; init; }

    /// <summary>Label y ticks as percent (values are fractions).</summary>
    public bool Percent { get; init; }

    /// <summary>A dashed horizontal reference line (e.g. 0 for a difference).</summary>
    public double? Reference { get; init; }

    public double Width { get; init; } = 680;

    public double Height { get; init; } = 340;

    public string Render() => Draw().Render();

    public SvgCanvas Draw()
    {
        var canvas = new SvgCanvas(Width, Height);
        double plotW = Width - Left - LegendWidth - 10, plotH = Height - Top - Bottom;
        canvas.Text(Left, 18, title, 13, weight: "bold");
        var values = Series.SelectMany(s => s.Mean.Concat(s.Min ?? []).Concat(s.Max ?? [])).Where(double.IsFinite).ToList();
        var xs = Series.SelectMany(s => s.X).Where(double.IsFinite).ToList();
        if (values.Count == 0 || xs.Count == 0)
        {
            canvas.Text(Left + plotW / 2, Top + plotH / 2, "no data", 12, "middle");
            return canvas;
        }
        var (y0, y1) = YRange ?? Fit(values, Reference);
        double x0 = xs.Min(), x1 = Math.Max(xs.Max(), x0 + 1);
        double Px(double x) => Left + (x - x0) / (x1 - x0) * plotW;
        double Py(double y) => Top + plotH - (Math.Clamp(y, y0, y1) - y0) / (y1 - y0) * plotH;

        canvas.Rect(Left, Top, plotW, plotH, "#fafafa", stroke: "#cccccc");
        for (int i = 0; i <= 5; i++)
        {
            double y = y0 + (y1 - y0) * i / 5;
            canvas.Line(Left, Py(y), Left + plotW, Py(y), "#e4e4e4");
            string label = Percent ? (y * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%" : y.ToString("0.###", CultureInfo.InvariantCulture);
            canvas.Text(Left - 4, Py(y) + 4, label, 10, "end");
        }
        int step = Math.Max(1, (int)Math.Ceiling((x1 - x0) / 10));
        for (double x = Math.Ceiling(x0); x <= x1; x += step)
        {
            canvas.Line(Px(x), Top + plotH, Px(x), Top + plotH + 4, "#888888");
            canvas.Text(Px(x), Top + plotH + 15, x.ToString("0", CultureInfo.InvariantCulture), 10, "middle");
        }
        canvas.Text(Left + plotW / 2, Height - 6, xLabel, 11, "middle");
        canvas.Text(14, Top + plotH / 2, yLabel, 11, "middle", rotate: -90);
        if (Reference is { } reference && reference >= y0 && reference <= y1)
        {
            canvas.Line(Left, Py(reference), Left + plotW, Py(reference), "#555555", 1, "4 3");
        }

        // Bands first, then plain lines, then emphasised lines, so that those stay visible.
        for (int s = 0; s < Series.Count; s++)
        {
            var series = Series[s];
            if (series.Min is { } min && series.Max is { } max)
            {
                foreach (var run in Runs(series.X.Count, i => double.IsFinite(min[i]) && double.IsFinite(max[i])))
                {
                    var upper = run.Select(i => (Px(series.X[i]), Py(max[i])));
                    var lower = run.AsEnumerable().Reverse().Select(i => (Px(series.X[i]), Py(min[i])));
                    canvas.Polygon(upper.Concat(lower), Colour(s), 0.15);
                }
            }
        }
        foreach (int s in Enumerable.Range(0, Series.Count).OrderBy(i => Series[i].Emphasised))
        {
            var series = Series[s];
            foreach (var run in Runs(series.X.Count, i => double.IsFinite(series.Mean[i])))
            {
                if (run.Count == 1)
                {
                    canvas.Circle(Px(series.X[run[0]]), Py(series.Mean[run[0]]), series.Emphasised ? 4 : 2.5, Colour(s), series.Name);
                }
                else
                {
                    canvas.Polyline(run.Select(i => (Px(series.X[i]), Py(series.Mean[i]))), Colour(s), series.Emphasised ? 3.5 : 1.8, series.Name);
                }
            }
        }
        for (int s = 0; s < Series.Count; s++)
        {
            double ly = Top + 8 + s * 16;
            canvas.Rect(Width - LegendWidth, ly - 8, 14, Series[s].Emphasised ? 10 : 8, Colour(s));
            canvas.Text(Width - LegendWidth + 20, ly, Series[s].Name, 11);
        }
        return canvas;
    }

    private static string Colour(int series) => SvgCanvas.Palette[series % SvgCanvas.Palette.Count];

    /// <summary>Maximal runs of consecutive indices where <paramref name="ok"/> holds.</summary>
    private static List<List<int>> Runs(int count, Func<int, bool> ok)
    {
        var runs = new List<List<int>>();
        List<int>? current = null;
        for (int i = 0; i < count; i++)
        {
            if (ok(i))
            {
                (current ??= []).Add(i);
            }
            else if (current is not null)
            {
                runs.Add(current);
                current = null;
            }
        }
        if (current is not null)
        {
            runs.Add(current);
        }
        return runs;
    }

    private static (double, double) Fit(List<double> values, double? reference)
    {
        double lo = values.Min(), hi = values.Max();
        if (reference is { } r)
        {
            lo = Math.Min(lo, r);
            hi = Math.Max(hi, r);
        }
        double pad = (hi - lo) * 0.05;
        if (pad == 0)
        {
            pad = Math.Max(Math.Abs(hi) * 0.1, 0.01);
        }
        return (lo - pad, hi + pad);
    }
}
