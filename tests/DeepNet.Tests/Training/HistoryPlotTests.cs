using System.Xml.Linq;
using DeepNet.Training;
using Xunit;

namespace DeepNet.Tests.Training;

/// <summary>The SVG chart of <see cref="History.ToSvg"/>: well-formed, one line per metric, validation dashed.</summary>
public class HistoryPlotTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("deepnet-plot-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static History Classification(int epochs)
    {
        var history = new History();
        for (int e = 1; e <= epochs; e++)
            history.Add(new EpochMetrics(e, 1.0 / e, 0.5 + 0.04 * e, 1.2 / e, 0.45 + 0.04 * e, 1.5, 1e-3));
        return history;
    }

    private static List<XElement> Lines(XDocument svg) =>
        svg.Descendants().Where(e => e.Name.LocalName == "polyline").ToList();

    [Fact]
    public void Svg_IsValidXml_WithOneLinePerMetric()
    {
        var svg = XDocument.Parse(Classification(5).ToSvg("a <title> & more"));
        Assert.Equal("svg", svg.Root!.Name.LocalName);
        Assert.Equal(["loss", "accuracy", "val_loss", "val_accuracy"], Lines(svg).Select(l => (string)l.Attribute("data-metric")!));
        Assert.All(Lines(svg), l => Assert.Equal(5, ((string)l.Attribute("points")!).Split(' ').Length));
        Assert.Contains(svg.Descendants(), e => e.Name.LocalName == "text" && e.Value == "a <title> & more");
    }

    [Fact]
    public void ValidationLines_AreDashed_InTheChartAndTheLegend()
    {
        var svg = XDocument.Parse(Classification(3).ToSvg());
        foreach (var line in Lines(svg))
        {
            bool validation = ((string)line.Attribute("data-metric")!).StartsWith("val_", StringComparison.Ordinal);
            Assert.Equal(validation, line.Attribute("stroke-dasharray") is not null);
        }
        var legendSwatches = svg.Descendants().Where(e => e.Name.LocalName == "line" && (string?)e.Attribute("stroke-width") == "2").ToList();
        Assert.Equal(4, legendSwatches.Count);
        Assert.Equal(2, legendSwatches.Count(l => l.Attribute("stroke-dasharray") is not null));
    }

    [Fact]
    public void Regression_HasNoAccuracyAxis()
    {
        var history = new History();
        history.Add(new EpochMetrics(1, 3.0, null, null, null, 1, 0.1));
        history.Add(new EpochMetrics(2, 2.0, null, null, null, 1, 0.1));
        var svg = XDocument.Parse(history.ToSvg());
        Assert.Equal(["loss"], Lines(svg).Select(l => (string)l.Attribute("data-metric")!));
        Assert.DoesNotContain(svg.Descendants(), e => e.Name.LocalName == "text" && e.Value == "accuracy");
    }

    [Fact]
    public void EmptyHistory_SaysSo_WithUnitAxes()
    {
        var svg = XDocument.Parse(new History().ToSvg());
        var labels = svg.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value).ToList();
        Assert.Contains("no epochs recorded", labels);
        Assert.Empty(Lines(svg));
        Assert.DoesNotContain("-10", labels);
        Assert.Contains("1.0", labels);
    }

    [Fact]
    public void DivergedLoss_IsLeftOut_NotDrawnAsNaN()
    {
        var history = new History();
        history.Add(new EpochMetrics(1, double.NaN, null, null, null, 1, 0.1));
        string svg = history.ToSvg();
        Assert.DoesNotContain("NaN", svg);
        Assert.Contains("no finite values to plot", XDocument.Parse(svg).Descendants().Select(e => e.Value));
    }

    [Fact]
    public void SavePlot_RefusesAPngPath()
    {
        var e = Assert.Throws<ArgumentException>(() => Classification(1).SavePlot(Path.Combine(_folder, "history.png")));
        Assert.Contains("must end in .svg", e.Message);
        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Fact]
    public void SavePlot_WritesTheSvgAtomically()
    {
        string path = Path.Combine(_folder, "out", "history.svg");
        Classification(2).SavePlot(path, "two epochs");
        Assert.Equal("svg", XDocument.Load(path).Root!.Name.LocalName);
        Assert.Single(Directory.GetFiles(Path.Combine(_folder, "out")));
    }
}
