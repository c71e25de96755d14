using System.Globalization;
using System.Security;
using System.Text;

namespace PolyglotAspire.Load;

/// <summary>
/// Draws a <see cref="LatencyPlot"/> as a self-contained SVG (no package, no script): latency in ms against percentile
/// on the usual log scale, where 90 %, 99 %, 99.9 % … are evenly spaced, so the tail gets as much room as the median.
/// </summary>
internal static class SvgPlot
{
    private const int Width = 760, Left = 70, Right = 40, Top = 44, LegendLine = 16;
    private const double PlotWidth = Width - Left - Right, PlotHeight = 320;

    private static readonly int[] NiceSteps = [1, 2, 5, 10];

    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

    public static string Render(LatencyPlot plot)
    {
        // x: the number of nines, log10(1 / (1 - p)); the maximum (100 %) is drawn at the right edge.
        var nines = Math.Max(1, plot.Series.Select(s => (s.Points.Count(p => p.Percentile < 100) - 1) / 10).DefaultIfEmpty(1).Max());
        var top = NiceCeiling(plot.Series.SelectMany(s => s.Points).Select(p => p.Ms).Where(double.IsFinite).DefaultIfEmpty(1).Max());
        double X(double percentile) => Left + PlotWidth * (percentile >= 100 ? nines : Math.Min(nines, -Math.Log10(1 - percentile / 100))) / nines;
        double Y(double ms) => Top + PlotHeight * (1 - ms / top);

        // The legend goes under the plot, a line per series, so long names never cover the lines.
        var legendTop = Top + PlotHeight + 64;
        var height = (int)(legendTop + LegendLine * plot.Series.Count + 8);

        var svg = new StringBuilder();
        Append(svg, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"{Escape(plot.Title)}\">");
        Append(svg, $"<rect width=\"{Width}\" height=\"{height}\" fill=\"white\"/>");
        Append(svg, $"<text x=\"{Width / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">{Escape(plot.Title)}</text>");

        // Grid and axes: a line per nine, five latency steps.
        for (var nine = 0; nine <= nines; nine++)
        {
            var x = Left + PlotWidth * nine / nines;
            Append(svg, $"<line x1=\"{F(x)}\" y1=\"{Top}\" x2=\"{F(x)}\" y2=\"{Top + PlotHeight}\" stroke=\"#ddd\"/>");
            Append(svg, $"<text x=\"{F(x)}\" y=\"{Top + PlotHeight + 18}\" text-anchor=\"middle\">{NineLabel(nine)}</text>");
        }

        for (var step = 0; step <= 5; step++)
        {
            var ms = top * step / 5;
            Append(svg, $"<line x1=\"{Left}\" y1=\"{F(Y(ms))}\" x2=\"{Left + PlotWidth}\" y2=\"{F(Y(ms))}\" stroke=\"#ddd\"/>");
            Append(svg, $"<text x=\"{Left - 6}\" y=\"{F(Y(ms) + 4)}\" text-anchor=\"end\">{ms.ToString("0.###", CultureInfo.InvariantCulture)}</text>");
        }

        Append(svg, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{PlotWidth}\" height=\"{PlotHeight}\" fill=\"none\" stroke=\"#444\"/>");
        Append(svg, $"<text x=\"{F(Left + PlotWidth / 2)}\" y=\"{F(Top + PlotHeight + 40)}\" text-anchor=\"middle\">percentile (the right edge is the maximum)</text>");
        Append(svg, $"<text transform=\"translate(18 {F(Top + PlotHeight / 2)}) rotate(-90)\" text-anchor=\"middle\">latency (ms)</text>");

        // One line per series, and its legend entry (name, sample count, p50 / p99 / max).
        for (var i = 0; i < plot.Series.Count; i++)
        {
            var series = plot.Series[i];
            var color = Colors[i % Colors.Length];
            var points = string.Join(' ', series.Points.Where(p => double.IsFinite(p.Ms)).Select(p => $"{F(X(p.Percentile))},{F(Y(p.Ms))}"));
            Append(svg, $"<polyline points=\"{points}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"><title>{Escape(series.Name)}</title></polyline>");
            var y = legendTop + LegendLine * i;
            Append(svg, $"<line x1=\"16\" y1=\"{F(y - 4)}\" x2=\"36\" y2=\"{F(y - 4)}\" stroke=\"{color}\" stroke-width=\"3\"/>");
            Append(svg, $"<text x=\"42\" y=\"{F(y)}\" font-size=\"11\">{Escape(Legend(series))}</text>");
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string Legend(PlotSeries s) =>
        string.Create(CultureInfo.InvariantCulture, $"{s.Name} (n={s.Count:N0}; p50 {s.P50:0.#}, p99 {s.P99:0.#}, max {s.Max:0.#} ms)");

    /// <summary>0 %, 90 %, 99 %, 99.9 % … for 0, 1, 2, 3 … nines.</summary>
    private static string NineLabel(int nines) =>
        nines == 0 ? "0%" : (100 * (1 - Math.Pow(10, -nines))).ToString("0.#####", CultureInfo.InvariantCulture) + "%";

    /// <summary>The smallest 1, 2 or 5 × 10ⁿ at or above <paramref name="value"/>: round numbers on the latency axis.</summary>
    internal static double NiceCeiling(double value)
    {
        if (value <= 0)
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        return NiceSteps.Select(m => m * magnitude).First(v => v >= value * (1 - 1e-12));
    }

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Escape(string text) => SecurityElement.Escape(text);

    private static void Append(StringBuilder svg, string line) => svg.Append(line).Append('\n');
}
