using DeepNet.Data;
using Xunit;

namespace DeepNet.Tests.Data;

public class IdxReaderTests
{
    [Fact]
    public void Read_ParsesBigEndianHeaderAndPayload()
    {
        var images = IdxReader.Read(DataFixtures.Path("mnist", "images-3.idx"));

        Assert.Equal([3, 28, 28], images.Dimensions);
        Assert.Equal(3 * 28 * 28, images.Data.Length);
        // The fixture's pixel (k, i) is (i + 7k) mod 256.
        Assert.Equal(0, images.Data[0]);
        Assert.Equal(255, images.Data[255]);
        Assert.Equal((300 + 14) % 256, images.Data[2 * 784 + 300]);
    }

    [Fact]
    public void Read_GzipFile_MatchesRawFile()
    {
        var raw = IdxReader.Read(DataFixtures.Path("mnist", "images-3.idx"));
        var gzip = IdxReader.Read(DataFixtures.Path("mnist", "images-3.idx.gz"));

        Assert.Equal(raw.Dimensions, gzip.Dimensions);
        Assert.Equal(raw.Data, gzip.Data);
    }

    [Theory]
    [InlineData("bad-magic.idx", "bad IDX magic number")]
    [InlineData("float-type.idx", "element type 0x0D is not supported")]
    [InlineData("truncated-images.idx", "truncated")]
    [InlineData("truncated-header.idx", "truncated")]
    [InlineData("trailing-bytes.idx", "unexpected bytes after the payload")]
    [InlineData("corrupt.idx.gz", "corrupt gzip data")]
    public void Read_MalformedFile_ThrowsNamingFileAndProblem(string file, string problem)
    {
        var path = DataFixtures.Path("mnist", file);

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains(problem, e.Message);
    }
}
