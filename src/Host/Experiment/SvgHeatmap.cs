using System.Globalization;

namespace HFedMoE.Host.Experiment;

/// <summary>A matrix as coloured cells (white = 0 to dark blue = the maximum; grey = missing), rows labelled on the left, columns below.</summary>
internal sealed class SvgHeatmap(string title, string rowLabel, string columnLabel, double[,] values)
{
    private const double Left = 64, Top = 30, Bottom = 36, Right = 70;

    public double Width { get; init; } = 460;

    public string Render() => Draw().Render();

    public SvgCanvas Draw()
    {
        ArgumentNullException.ThrowIfNull(values);
        int rows = values.GetLength(0), cols = values.GetLength(1);
        double cellH = rows == 0 ? 10 : Math.Clamp(260.0 / rows, 4, 16);
        double height = Top + Bottom + Math.Max(rows, 1) * cellH;
        var canvas = new SvgCanvas(Width, height);
        canvas.Text(Left, 18, title, 13, weight: "bold");
        if (rows == 0 || cols == 0)
        {
            canvas.Text(Width / 2, Top + 10, "no data", 12, "middle");
            return canvas;
        }
        double max = 0;
        foreach (double v in values)
        {
            if (double.IsFinite(v))
            {
                max = Math.Max(max, v);
            }
        }
        double cellW = (Width - Left - Right) / cols;
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                double v = values[r, c];
                string fill = double.IsFinite(v) ? Blue(max > 0 ? v / max : 0) : "#bbbbbb";
                canvas.Rect(Left + c * cellW, Top + r * cellH, cellW, cellH, fill,
                    string.Create(CultureInfo.InvariantCulture, $"{rowLabel} {r}, {columnLabel} {c}: {DisplayFormat.Number(v, "0.##")}"));
            }
            if (rows <= 40 && (rows <= 16 || r % 4 == 0))
            {
                canvas.Text(Left - 4, Top + r * cellH + cellH * 0.8, r.ToString(CultureInfo.InvariantCulture), Math.Min(10, cellH), "end");
            }
        }
        int step = Math.Max(1, (int)Math.Ceiling(cols / 10.0));
        for (int c = 0; c < cols; c += step)
        {
            canvas.Text(Left + (c + 0.5) * cellW, Top + rows * cellH + 12, c.ToString(CultureInfo.InvariantCulture), 10, "middle");
        }
        canvas.Text(Left + (Width - Left - Right) / 2, height - 6, columnLabel, 11, "middle");
        canvas.Text(14, Top + rows * cellH / 2, rowLabel, 11, "middle", rotate: -90);
        double kx = Width - Right + 12;
        for (int i = 0; i < 5; i++)
        {
            canvas.Rect(kx, Top + i * 14, 12, 12, Blue(1 - i / 4.0));
            canvas.Text(kx + 16, Top + i * 14 + 10, DisplayFormat.Number(max * (1 - i / 4.0), "0.#"), 9);
        }
        return canvas;
    }

    /// <summary>White (0) to #08306B (1).</summary>
    private static string Blue(double t)
    {
        t = Math.Clamp(t, 0, 1);
        int r = (int)Math.Round(255 + (8 - 255) * t), g = (int)Math.Round(255 + (48 - 255) * t), b = (int)Math.Round(255 + (107 - 255) * t);
        return string.Create(CultureInfo.InvariantCulture, $"#{r:X2}{g:X2}{b:X2}");
    }
}
