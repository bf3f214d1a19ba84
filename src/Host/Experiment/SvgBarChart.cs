using System.Globalization;

namespace HFedMoE.Host.Experiment;

/// <summary>Grouped bars: one group per category (e.g. strategy), one bar per series (e.g. client tier) in each.</summary>
internal sealed class SvgBarChart(string title, string yLabel, IReadOnlyList<string> groups, IReadOnlyList<string> series, double[,] values)
{
    private const double Left = 64, Top = 28, Bottom = 90, LegendWidth = 130;

    public double Width { get; init; } = 680;

    public double Height { get; init; } = 340;

    public string Render() => Draw().Render();

    /// <summary>The smallest of 1, 2, 2.5, 5 (× a power of ten) at or above <paramref name="value"/>, so the five ticks are round numbers.</summary>
    private static double NiceCeiling(double value)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (double step in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (step * power >= value)
            {
                return step * power;
            }
        }
        return 10 * power;
    }

    public SvgCanvas Draw()
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(values);
        if (values.GetLength(0) != groups.Count || values.GetLength(1) != series.Count)
        {
            throw new ArgumentException($"values are {values.GetLength(0)}×{values.GetLength(1)}; expected {groups.Count} groups × {series.Count} series", nameof(values));
        }
        var canvas = new SvgCanvas(Width, Height);
        canvas.Text(Left, 18, title, 13, weight: "bold");
        double plotW = Width - Left - LegendWidth - 10, plotH = Height - Top - Bottom;
        double max = 0;
        foreach (double v in values)
        {
            if (double.IsFinite(v))
            {
                max = Math.Max(max, v);
            }
        }
        if (groups.Count == 0 || series.Count == 0 || max <= 0)
        {
            canvas.Text(Left + plotW / 2, Top + plotH / 2, "no data", 12, "middle");
            return canvas;
        }
        max = NiceCeiling(max * 1.02);
        double Py(double v) => Top + plotH - v / max * plotH;
        canvas.Rect(Left, Top, plotW, plotH, "#fafafa", stroke: "#cccccc");
        for (int i = 0; i <= 5; i++)
        {
            double v = max * i / 5;
            canvas.Line(Left, Py(v), Left + plotW, Py(v), "#e4e4e4");
            canvas.Text(Left - 4, Py(v) + 4, DisplayFormat.Large(v), 10, "end");
        }
        canvas.Text(14, Top + plotH / 2, yLabel, 11, "middle", rotate: -90);
        double groupW = plotW / groups.Count, barW = groupW * 0.8 / series.Count;
        for (int g = 0; g < groups.Count; g++)
        {
            double gx = Left + g * groupW + groupW * 0.1;
            for (int s = 0; s < series.Count; s++)
            {
                double v = values[g, s];
                if (double.IsFinite(v))
                {
                    canvas.Rect(gx + s * barW, Py(v), barW * 0.92, Top + plotH - Py(v), SvgCanvas.Palette[s % SvgCanvas.Palette.Count],
                        string.Create(CultureInfo.InvariantCulture, $"{groups[g]}, {series[s]}: {DisplayFormat.Large(v)}"));
                }
            }
            double cx = Left + g * groupW + groupW / 2;
            canvas.Text(cx, Top + plotH + 12, groups[g], 10, "end", rotate: -35);
        }
        for (int s = 0; s < series.Count; s++)
        {
            double ly = Top + 8 + s * 16;
            canvas.Rect(Width - LegendWidth, ly - 8, 14, 8, SvgCanvas.Palette[s % SvgCanvas.Palette.Count]);
            canvas.Text(Width - LegendWidth + 20, ly, series[s], 11);
        }
        return canvas;
    }
}
