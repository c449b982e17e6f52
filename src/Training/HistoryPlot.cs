using ScottPlot;

namespace DeepNet.Training;

/// <summary>Draws a <see cref="History"/> with ScottPlot (SkiaSharp; works headless).</summary>
internal static class HistoryPlot
{
    public static void Save(History history, string path, string title, int width, int height)
    {
        var plot = new Plot();
        double[] epochs = history.Epochs.Select(e => (double)e.Epoch).ToArray();
        bool hasAccuracy = false;
        var palette = new ScottPlot.Palettes.Category10();
        foreach (string metric in EpochMetrics.MetricNames)
        {
            var values = history[metric];
            if (values.Length == 0 || values.Any(v => v is null)) continue;
            var line = plot.Add.Scatter(epochs, values.Select(v => v!.Value).ToArray());
            line.LegendText = metric;
            line.LineWidth = 2;
            line.MarkerSize = 7;
            // Training and validation of one quantity share a colour; validation is dashed.
            line.Color = palette.GetColor(metric.EndsWith("accuracy", StringComparison.Ordinal) ? 1 : 0);
            if (metric.StartsWith("val_", StringComparison.Ordinal)) line.LinePattern = LinePattern.Dashed;
            if (metric.EndsWith("accuracy", StringComparison.Ordinal))
            {
                line.Axes.YAxis = plot.Axes.Right;
                hasAccuracy = true;
            }
        }
        plot.Title(title);
        plot.Axes.Bottom.Label.Text = "epoch";
        plot.Axes.Left.Label.Text = "loss";
        if (hasAccuracy) plot.Axes.Right.Label.Text = "accuracy";
        plot.ShowLegend(Alignment.UpperCenter);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(Math.Max(1, epochs.Length / 10));

        // Render beside the target, then rename, so a reader never sees half a PNG.
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileNameWithoutExtension(full)}.{Guid.NewGuid():N}.png");
        try
        {
            plot.SavePng(temp, width, height);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
