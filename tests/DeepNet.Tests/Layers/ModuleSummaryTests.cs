using DeepNet.Layers;
using Xunit;

namespace DeepNet.Tests.Layers;

/// <summary>The Keras-style summary: output shapes, nested parameter counts, trainable vs frozen, aligned columns.</summary>
public class ModuleSummaryTests
{
    [Fact]
    public void Summary_ShowsOutputShapesAndAlignedColumns()
    {
        using var model = new Sequential(new Conv2D(1, 4, 3), new Relu(), new MaxPool2D(2), new Flatten(), new Dense(4 * 13 * 13, 10));
        string text = model.Summary([1, 1, 28, 28]);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("0 ", StringComparison.Ordinal) && l.Contains("[1, 4, 26, 26]") && l.TrimEnd().EndsWith(" 40", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("3 ", StringComparison.Ordinal) && l.Contains("[1, 676]"));
        Assert.Contains(lines, l => l.StartsWith("4 ", StringComparison.Ordinal) && l.Contains("[1, 10]") && l.TrimEnd().EndsWith("6,770", StringComparison.Ordinal));
        // Every row's "Output shape" column starts at the header's column.
        int column = lines[1].IndexOf("Output shape", StringComparison.Ordinal);
        Assert.All(lines.Where(l => l.Contains("[1, ") && !l.StartsWith("Input", StringComparison.Ordinal)), l => Assert.Equal('[', l[column]));
        Assert.Contains("Total params: 6,810", text);
        Assert.Contains("Trainable params: 6,810", text);
        Assert.Contains("Frozen params: 0", text);
        Assert.Equal(model.Summary(), model.ToString());
    }

    [Fact]
    public void Summary_CountsChildrenParameters_AndFrozenOnes()
    {
        using var layer = new TransformerEncoderLayer(8, 2, dimFeedforward: 16);
        using var model = new Sequential(layer, new Dense(8, 3));
        long layerTotal = layer.Parameters().Sum(p => p.Size);
        Assert.True(layerTotal > 0);
        var row = model.Summary().Split('\n').First(l => l.StartsWith("0 ", StringComparison.Ordinal));
        Assert.EndsWith(layerTotal.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), row.TrimEnd());
        foreach (var p in model[1].Parameters()) p.RequiresGrad = false;
        string text = model.Summary();
        Assert.Contains("Frozen params: 27", text);
        Assert.Contains("Trainable params: " + layerTotal.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), text);
    }
}
