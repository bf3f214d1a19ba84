using System.Globalization;
using System.Text;

namespace HFedMoE.Host.Experiment;

/// <summary>
/// A minimal SVG writer: shapes and text in user units, every text escaped, numbers invariant.
/// The plots build on it so none of them writes markup by hand.
/// </summary>
internal sealed class SvgCanvas
{
    /// <summary>Colour-blind-safe series colours (Okabe–Ito, then Tableau), reused cyclically.</summary>
    public static IReadOnlyList<string> Palette { get; } =
    [
        "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
        "#8C564B", "#7F7F7F", "#BCBD22", "#17BECF", "#9467BD", "#FF9896",
    ];

    private readonly StringBuilder _body = new();

    public SvgCanvas(double width, double height)
    {
        Width = width;
        Height = height;
    }

    public double Width { get; }

    public double Height { get; }

    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal).Replace("'", "&#39;", StringComparison.Ordinal);
    }

    public static string N(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);

    public SvgCanvas Rect(double x, double y, double width, double height, string fill, string? title = null, string? stroke = null)
    {
        _body.Append(CultureInfo.InvariantCulture, $"<rect x=\"{N(x)}\" y=\"{N(y)}\" width=\"{N(Math.Max(width, 0))}\" height=\"{N(Math.Max(height, 0))}\" fill=\"{fill}\"");
        if (stroke is not null)
        {
            _body.Append(CultureInfo.InvariantCulture, $" stroke=\"{stroke}\"");
        }
        return Close(title, "rect");
    }

    public SvgCanvas Line(double x1, double y1, double x2, double y2, string stroke, double width = 1, string? dash = null)
    {
        _body.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(x1)}\" y1=\"{N(y1)}\" x2=\"{N(x2)}\" y2=\"{N(y2)}\" stroke=\"{stroke}\" stroke-width=\"{N(width)}\"");
        if (dash is not null)
        {
            _body.Append(CultureInfo.InvariantCulture, $" stroke-dasharray=\"{dash}\"");
        }
        _body.Append("/>\n");
        return this;
    }

    public SvgCanvas Polyline(IEnumerable<(double X, double Y)> points, string stroke, double width = 1.5, string? title = null)
    {
        _body.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{N(width)}\" points=\"{Points(points)}\"");
        return Close(title, "polyline");
    }

    public SvgCanvas Polygon(IEnumerable<(double X, double Y)> points, string fill, double opacity)
    {
        _body.Append(CultureInfo.InvariantCulture, $"<polygon fill=\"{fill}\" fill-opacity=\"{N(opacity)}\" stroke=\"none\" points=\"{Points(points)}\"/>\n");
        return this;
    }

    public SvgCanvas Circle(double x, double y, double r, string fill, string? title = null)
    {
        _body.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{N(x)}\" cy=\"{N(y)}\" r=\"{N(r)}\" fill=\"{fill}\"");
        return Close(title, "circle");
    }

    /// <param name="anchor">start, middle or end.</param>
    public SvgCanvas Text(double x, double y, string text, double size = 11, string anchor = "start", string weight = "normal", double rotate = 0)
    {
        _body.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(x)}\" y=\"{N(y)}\" font-size=\"{N(size)}\" text-anchor=\"{anchor}\"");
        if (weight != "normal")
        {
            _body.Append(CultureInfo.InvariantCulture, $" font-weight=\"{weight}\"");
        }
        if (rotate != 0)
        {
            _body.Append(CultureInfo.InvariantCulture, $" transform=\"rotate({N(rotate)} {N(x)} {N(y)})\"");
        }
        _body.Append('>').Append(Escape(text)).Append("</text>\n");
        return this;
    }

    /// <summary>Another canvas drawn at (<paramref name="x"/>, <paramref name="y"/>): panels of a combined picture.</summary>
    public SvgCanvas Embed(SvgCanvas inner, double x, double y)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _body.Append(CultureInfo.InvariantCulture, $"<g transform=\"translate({N(x)} {N(y)})\">\n").Append(inner._body).Append("</g>\n");
        return this;
    }

    /// <summary>The standalone document (also valid inline in HTML5).</summary>
    public string Render() =>
        string.Create(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{N(Width)}\" height=\"{N(Height)}\" viewBox=\"0 0 {N(Width)} {N(Height)}\" font-family=\"sans-serif\">\n")
        + $"<rect x=\"0\" y=\"0\" width=\"{N(Width)}\" height=\"{N(Height)}\" fill=\"#ffffff\"/>\n" + _body + "</svg>\n";

    private SvgCanvas Close(string? title, string element)
    {
        if (title is null)
        {
            _body.Append("/>\n");
        }
        else
        {
            _body.Append("><title>").Append(Escape(title)).Append("</title></").Append(element).Append(">\n");
        }
        return this;
    }

    private static string Points(IEnumerable<(double X, double Y)> points) =>
        string.Join(' ', points.Select(p => $"{N(p.X)},{N(p.Y)}"));
}
