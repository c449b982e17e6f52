using System.Globalization;
using System.Security;
using System.Text;
using DeepNet.Serialization;

namespace DeepNet.Training;

/// <summary>
/// Draws a <see cref="History"/> as an SVG line chart in plain managed code (no native drawing
/// library): loss on the left axis, accuracy on the right, one line per metric, validation
/// dashed in the colour of its training line, the legend right of the plot area.
/// </summary>
internal static class HistoryPlot
{
    private const double Left = 70, Top = 44, Bottom = 52, RightAxis = 62, LegendWidth = 150;
    private const string LossColour = "#1f77b4", AccuracyColour = "#ff7f0e";
    private const string DashPattern = "7 5";

    private sealed record Series(string Name, double[] Epochs, double[] Values, bool Accuracy)
    {
        public bool Validation => Name.StartsWith("val_", StringComparison.Ordinal);
        public string Colour => Accuracy ? AccuracyColour : LossColour;
    }

    public static string ToSvg(History history, string title, int width, int height)
    {
        if (width < 320 || height < 200)
            throw new ArgumentOutOfRangeException(nameof(width), $"history plot: {width}x{height} is too small (at least 320x200)");
        var series = Collect(history);
        double x0 = Left, x1 = width - RightAxis - LegendWidth, y0 = Top, y1 = height - Bottom;
        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n"));
        svg.Append(Invariant($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n"));
        svg.Append(Invariant($"<text x=\"{(x0 + x1) / 2:0.#}\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">{Escape(title)}</text>\n"));
        svg.Append(Invariant($"<rect x=\"{x0}\" y=\"{y0}\" width=\"{x1 - x0:0.#}\" height=\"{y1 - y0:0.#}\" fill=\"none\" stroke=\"#444\"/>\n"));

        int lastEpoch = history.Epochs.Count == 0 ? 1 : history.Epochs.Max(e => e.Epoch);
        var epochAxis = ChartAxis.ForEpochs(lastEpoch);
        var lossAxis = ChartAxis.Nice(series.Where(s => !s.Accuracy).SelectMany(s => s.Values));
        var accuracyValues = series.Where(s => s.Accuracy).SelectMany(s => s.Values).ToList();
        var accuracyAxis = accuracyValues.Count > 0 ? ChartAxis.Nice(accuracyValues, 0, 1) : null;

        double X(double epoch) => x0 + (epoch - epochAxis.Min) / (epochAxis.Max - epochAxis.Min) * (x1 - x0);
        double Y(ChartAxis axis, double value) => y1 - (value - axis.Min) / (axis.Max - axis.Min) * (y1 - y0);

        foreach (double tick in epochAxis.Ticks)
        {
            svg.Append(Invariant($"<line x1=\"{X(tick):0.##}\" y1=\"{y1}\" x2=\"{X(tick):0.##}\" y2=\"{y1 + 5}\" stroke=\"#444\"/>"));
            svg.Append(Invariant($"<text x=\"{X(tick):0.##}\" y=\"{y1 + 18}\" text-anchor=\"middle\">{epochAxis.Label(tick)}</text>\n"));
        }
        svg.Append(Invariant($"<text x=\"{(x0 + x1) / 2:0.#}\" y=\"{height - 12}\" text-anchor=\"middle\">epoch</text>\n"));
        foreach (double tick in lossAxis.Ticks)
        {
            svg.Append(Invariant($"<line x1=\"{x0}\" y1=\"{Y(lossAxis, tick):0.##}\" x2=\"{x1:0.#}\" y2=\"{Y(lossAxis, tick):0.##}\" stroke=\"#e4e4e4\"/>"));
            svg.Append(Invariant($"<text x=\"{x0 - 6}\" y=\"{Y(lossAxis, tick) + 4:0.##}\" text-anchor=\"end\">{lossAxis.Label(tick)}</text>\n"));
        }
        svg.Append(Invariant($"<text transform=\"translate(18 {(y0 + y1) / 2:0.#}) rotate(-90)\" text-anchor=\"middle\">loss</text>\n"));
        if (accuracyAxis is not null)
        {
            foreach (double tick in accuracyAxis.Ticks)
                svg.Append(Invariant($"<text x=\"{x1 + 6:0.#}\" y=\"{Y(accuracyAxis, tick) + 4:0.##}\">{accuracyAxis.Label(tick)}</text>\n"));
            svg.Append(Invariant($"<text transform=\"translate({x1 + RightAxis - 8:0.#} {(y0 + y1) / 2:0.#}) rotate(90)\" text-anchor=\"middle\">accuracy</text>\n"));
        }
        if (series.Count == 0)
        {
            string message = history.Epochs.Count == 0 ? "no epochs recorded" : "no finite values to plot";
            svg.Append(Invariant($"<text x=\"{(x0 + x1) / 2:0.#}\" y=\"{(y0 + y1) / 2:0.#}\" text-anchor=\"middle\" fill=\"#888\">{message}</text>\n"));
        }

        foreach (var s in series)
        {
            var axis = s.Accuracy ? accuracyAxis! : lossAxis;
            var points = s.Epochs.Zip(s.Values, (e, v) => Invariant($"{X(e):0.##},{Y(axis, v):0.##}"));
            string dash = s.Validation ? $" stroke-dasharray=\"{DashPattern}\"" : "";
            svg.Append(Invariant($"<polyline class=\"series\" data-metric=\"{s.Name}\" points=\"{string.Join(' ', points)}\" fill=\"none\" stroke=\"{s.Colour}\" stroke-width=\"2\"{dash}/>\n"));
            foreach (var (e, v) in s.Epochs.Zip(s.Values))
                svg.Append(Marker(s, X(e), Y(axis, v)));
            svg.Append('\n');
        }

        double legendX = x1 + RightAxis + 12, legendY = y0 + 8;
        foreach (var s in series)
        {
            string dash = s.Validation ? $" stroke-dasharray=\"{DashPattern}\"" : "";
            svg.Append(Invariant($"<line x1=\"{legendX:0.#}\" y1=\"{legendY:0.#}\" x2=\"{legendX + 36:0.#}\" y2=\"{legendY:0.#}\" stroke=\"{s.Colour}\" stroke-width=\"2\"{dash}/>"));
            svg.Append(Marker(s, legendX + 18, legendY));
            svg.Append(Invariant($"<text x=\"{legendX + 44:0.#}\" y=\"{legendY + 4:0.#}\">{s.Name}</text>\n"));
            legendY += 22;
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    public static void Save(History history, string path, string title, int width, int height)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(ToSvg(history, title, width, height));
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    private static List<Series> Collect(History history)
    {
        var series = new List<Series>();
        foreach (string metric in EpochMetrics.MetricNames)
        {
            var measured = history.Epochs.Select(e => (Epoch: (double)e.Epoch, Value: e.Get(metric)))
                .Where(p => p.Value is { } v && double.IsFinite(v)).ToList();
            if (measured.Count == 0) continue;
            series.Add(new Series(metric, measured.Select(p => p.Epoch).ToArray(), measured.Select(p => p.Value!.Value).ToArray(),
                metric.EndsWith("accuracy", StringComparison.Ordinal)));
        }
        return series;
    }

    // Training points are filled circles, validation points hollow squares, so the two differ in print too.
    private static string Marker(Series s, double x, double y) => s.Validation
        ? Invariant($"<rect x=\"{x - 3.5:0.##}\" y=\"{y - 3.5:0.##}\" width=\"7\" height=\"7\" fill=\"white\" stroke=\"{s.Colour}\" stroke-width=\"1.5\"/>")
        : Invariant($"<circle cx=\"{x:0.##}\" cy=\"{y:0.##}\" r=\"3.5\" fill=\"{s.Colour}\"/>");

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
